// Who may see a session (play, export, watch, kill, list): one table row per viewer and owner.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "approvals/session_access.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;

namespace {

// users:  bob [dev], alice [dba-reviewer], olga [ops-reviewer], erin [], audra [auditor],
//         carl [dev, auditor], rita [dba-reviewer, ops-reviewer]
// roles:  dev, dba, ops, dba-reviewer (reviews dba), ops-reviewer (reviews ops),
//         auditor (audit: true)
cfg::Role role_named(std::string name) {
  cfg::Role role;
  role.name = std::move(name);
  return role;
}

cfg::Config make_config() {
  cfg::Config c;
  c.users = {
      {"bob", {}, {"dev"}, {}},          {"alice", {}, {"dba-reviewer"}, {}},
      {"olga", {}, {"ops-reviewer"}, {}}, {"erin", {}, {}, {}},
      {"audra", {}, {"auditor"}, {}},    {"carl", {}, {"dev", "auditor"}, {}},
      {"rita", {}, {"dba-reviewer", "ops-reviewer"}, {}},
      {"ghost", {}, {"no-such-role"}, {}},
  };
  cfg::Role auditor = role_named("auditor");
  auditor.audit = true;
  cfg::Role dba_reviewer = role_named("dba-reviewer");
  dba_reviewer.review = cfg::ReviewPolicy{{"dba"}};
  cfg::Role ops_reviewer = role_named("ops-reviewer");
  ops_reviewer.review = cfg::ReviewPolicy{{"ops"}};
  c.roles = {role_named("dev"), role_named("dba"), role_named("ops"), dba_reviewer, ops_reviewer,
             auditor};
  return c;
}

struct Row {
  const char* viewer;
  ap::SessionOwner owner;
  bool sees;
};

const std::vector<Row> rows = {
    // The person: their own sessions, whatever allowed them.
    {"bob", {"bob", {"dev"}, ""}, true},
    {"bob", {"bob", {"dba"}, "r1"}, true},
    {"bob", {"bob", {}, ""}, true},
    // Not another's, even with the same role.
    {"bob", {"carl", {"dev"}, ""}, false},
    {"erin", {"bob", {"dev"}, ""}, false},
    {"erin", {"bob", {}, ""}, false},
    // Reviewers of the role that allowed it, by grant or standing role.
    {"alice", {"bob", {"dba"}, "r1"}, true},
    {"alice", {"bob", {"dba"}, ""}, true},
    {"alice", {"bob", {"dev", "dba"}, "r1"}, true},
    {"alice", {"bob", {"ops"}, "r2"}, false},
    {"alice", {"bob", {"dev"}, ""}, false},
    {"alice", {"bob", {}, "r1"}, false},  // a request id alone is not a role
    {"olga", {"bob", {"ops"}, "r2"}, true},
    {"olga", {"bob", {"dba"}, "r1"}, false},
    {"rita", {"bob", {"ops"}, ""}, true},
    // A reviewer role is not itself reviewed by its holders.
    {"alice", {"bob", {"dba-reviewer"}, ""}, false},
    // Auditors see every session.
    {"audra", {"bob", {"dev"}, ""}, true},
    {"audra", {"alice", {}, ""}, true},
    {"carl", {"bob", {"ops"}, "r2"}, true},
    // A role the config no longer has grants nothing; an empty person is nobody's.
    {"ghost", {"bob", {"no-such-role"}, ""}, false},
    {"erin", {"", {}, ""}, false},
};

}  // namespace

TEST_CASE("who may see a session", "[approvals][session_access]") {
  const cfg::Config config = make_config();
  for (const auto& row : rows) {
    const cfg::User* viewer = config.find_user(row.viewer);
    REQUIRE(viewer != nullptr);
    INFO(row.viewer << " viewing " << row.owner.person << "'s session (request '"
                    << row.owner.request_id << "')");
    CHECK(ap::may_see_session(config, *viewer, row.owner) == row.sees);
  }
}
