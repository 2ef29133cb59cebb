// Who sees which requests and audit events: one table row per viewer and thing.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "approvals/visibility.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
using holdgate::storage::AuditEvent;

namespace {

// users:  bob [dev], alice [dba-reviewer], olga [ops-reviewer], erin [], audra [auditor],
//         carl [dev, auditor]
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
      {"bob", {}, {"dev"}, {}},        {"alice", {}, {"dba-reviewer"}, {}},
      {"olga", {}, {"ops-reviewer"}, {}}, {"erin", {}, {}, {}},
      {"audra", {}, {"auditor"}, {}},  {"carl", {}, {"dev", "auditor"}, {}},
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

ap::AccessRequest request_of(std::string id, std::string user, std::vector<std::string> roles,
                             ap::RequestState state = ap::RequestState::pending) {
  ap::AccessRequest r;
  r.id = std::move(id);
  r.user = std::move(user);
  r.roles = std::move(roles);
  r.state = state;
  return r;
}

struct RequestRow {
  const char* viewer;
  ap::AccessRequest request;
  bool sees;
};

const std::vector<RequestRow> request_rows = {
    {"bob", request_of("r1", "bob", {"dba"}), true},                               // his own
    {"bob", request_of("r2", "dora", {"dba"}), false},                             // another's
    {"alice", request_of("r1", "bob", {"dba"}), true},                             // she reviews dba
    {"alice", request_of("r1", "bob", {"dba"}, ap::RequestState::approved), true}, // also later
    {"alice", request_of("r3", "bob", {"ops"}), false},                            // not ops
    {"alice", request_of("r4", "bob", {"ops", "dba"}), true},                      // one role is enough
    {"olga", request_of("r1", "bob", {"dba"}), false},
    {"erin", request_of("r1", "bob", {"dba"}), false},                             // no roles at all
    {"audra", request_of("r1", "bob", {"dba"}), true},                             // audits
    {"audra", request_of("r3", "bob", {"ops"}, ap::RequestState::denied), true},
    {"carl", request_of("r3", "bob", {"ops"}), true},                              // audit with other roles
};

struct EventRow {
  const char* viewer;
  AuditEvent event;
  bool sees;
};

AuditEvent event_of(std::string kind, std::string actor, std::string subject) {
  return AuditEvent{{}, std::move(kind), std::move(actor), "192.0.2.9:1", std::move(subject), ""};
}

// `visible` below: the requests the viewer may see, as commands.cpp collects them.
const std::vector<EventRow> event_rows = {
    {"bob", event_of("login.allowed", "bob", "root@db-1"), true},          // his own login
    {"bob", event_of("login.denied", "alice", "root@db-1"), false},        // someone else's
    {"bob", event_of("request.reviewed", "alice", "r1"), true},            // about his request
    {"bob", event_of("request.expired", "holdgate", "r1"), true},
    {"bob", event_of("request.created", "dora", "r2"), false},             // another's request
    {"bob", event_of("webhook.failed", "holdgate", "r2"), false},
    {"erin", event_of("login.allowed", "bob", "root@db-1"), false},
    {"erin", event_of("request.created", "bob", "r1"), false},
    {"audra", event_of("login.allowed", "bob", "root@db-1"), true},        // the whole trail
    {"audra", event_of("webhook.failed", "holdgate", "r2"), true},
    {"audra", event_of("hook.failed", "hook:ticket-check", "r9"), true},
};

}  // namespace

TEST_CASE("may_see_request table", "[visibility]") {
  const auto config = make_config();
  const RequestRow row = GENERATE(from_range(request_rows));
  CAPTURE(row.viewer, row.request.id);
  const cfg::User* viewer = config.find_user(row.viewer);
  REQUIRE(viewer != nullptr);
  CHECK(ap::may_see_request(config, *viewer, row.request) == row.sees);
}

TEST_CASE("may_see_event table", "[visibility]") {
  const auto config = make_config();
  const EventRow row = GENERATE(from_range(event_rows));
  CAPTURE(row.viewer, row.event.kind, row.event.actor, row.event.subject);
  const cfg::User* viewer = config.find_user(row.viewer);
  REQUIRE(viewer != nullptr);
  // bob sees r1 (his own); nobody else in these rows sees a request they are not auditing.
  const std::set<std::string> visible =
      std::string(row.viewer) == "bob" ? std::set<std::string>{"r1"} : std::set<std::string>{};
  CHECK(ap::may_see_event(config, *viewer, row.event, visible) == row.sees);
}

TEST_CASE("is_auditor: only a role with audit: true, never a missing role", "[visibility]") {
  auto config = make_config();
  CHECK(ap::is_auditor(config, *config.find_user("audra")));
  CHECK(ap::is_auditor(config, *config.find_user("carl")));
  CHECK_FALSE(ap::is_auditor(config, *config.find_user("bob")));
  CHECK_FALSE(ap::is_auditor(config, *config.find_user("erin")));
  cfg::User ghost{"ghost", {}, {"no-such-role"}, {}};
  CHECK_FALSE(ap::is_auditor(config, ghost));
}
