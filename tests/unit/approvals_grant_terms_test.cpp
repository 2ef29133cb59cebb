// How a grant ends besides its expiry (issue 12, section 3): the terms a request takes from its
// roles' `grant:`, and ending an until-session-end grant. Table-driven on the rules fixture.
#include "approvals/grant_terms.hpp"
#include "approvals_rules_fixture.hpp"

using holdgate::approvals::end_with_session;
using holdgate::approvals::merged_grant_terms;
using holdgate::approvals::use_details;

namespace {

// The fixture with `grant:` on dba (until session end, 3 uses) and ops (1 use).
cfg::Config with_terms() {
  cfg::Config c = make_fixture();
  for (auto& role : c.roles) {
    if (role.name == "dba") role.grant = {true, 3};
    if (role.name == "ops") role.grant = {false, 1};
  }
  return c;
}
const cfg::Config terms = with_terms();

struct TermsRow {
  const char* what;
  std::vector<std::string> roles;
  bool until_session_end;
  int uses;
};

const std::vector<TermsRow> terms_rows = {
    {"a role without grant: no terms", {"dev"}, false, 0},
    {"one role's terms", {"dba"}, true, 3},
    {"uses only", {"ops"}, false, 1},
    {"several roles: the strictest of each", {"dba", "ops"}, true, 1},
    {"a role without terms adds none", {"dev", "ops"}, false, 1},
    {"unknown roles are skipped", {"ghost", "dba"}, true, 3},
};

}  // namespace

TEST_CASE("grant terms merge over the requested roles, strictest winning", "[approvals]") {
  const TermsRow row = GENERATE(from_range(terms_rows));
  CAPTURE(row.what);
  auto merged = merged_grant_terms(terms, row.roles);
  CHECK(merged.until_session_end == row.until_session_end);
  CHECK(merged.uses == row.uses);
}

TEST_CASE("a planned request carries its roles' grant terms", "[approvals]") {
  NewRequest asked;
  asked.roles = {"dba"};
  asked.reason = "incident 7";
  auto planned = holdgate::approvals::plan_request(terms, *terms.find_user("bob"), asked, t0, kId);
  REQUIRE(std::holds_alternative<AccessRequest>(planned));
  const auto& request = std::get<AccessRequest>(planned);
  CHECK(request.until_session_end);
  CHECK(request.uses == 3);
  CHECK(request.uses_left == 3);

  auto plain = holdgate::approvals::plan_request(fixture, user("bob"), asked, t0, kId);
  REQUIRE(std::holds_alternative<AccessRequest>(plain));
  CHECK_FALSE(std::get<AccessRequest>(plain).until_session_end);
  CHECK_FALSE(std::get<AccessRequest>(plain).uses.has_value());
}

TEST_CASE("end_with_session table", "[approvals]") {
  AccessRequest live = run_steps(planned("bob", {"dba"}), {approve("alice", 1min), approve("ivan", 1min)});
  REQUIRE(live.state == RequestState::approved);
  live.until_session_end = true;
  const auto at = t0 + 10min;

  SECTION("an approved until-session-end grant ends now and stays APPROVED") {
    auto ended = end_with_session(live, "root@db-1", at);
    REQUIRE(ended.has_value());
    CHECK(ended->state == RequestState::approved);
    CHECK(ended->grant_expires == at);
    CHECK(ended->resolved == live.resolved);
    CHECK(ended->version == live.version + 1);
    CHECK(ended->resolution_reason == "ended with bob's session on root@db-1");
  }
  SECTION("nothing to end") {
    AccessRequest no_term = live;
    no_term.until_session_end = false;
    CHECK_FALSE(end_with_session(no_term, "root@db-1", at).has_value());
    CHECK_FALSE(end_with_session(live, "root@db-1", *live.grant_expires).has_value());  // over
    AccessRequest dropped = live;
    dropped.state = RequestState::dropped;
    CHECK_FALSE(end_with_session(dropped, "root@db-1", at).has_value());
    AccessRequest pending = planned("bob", {"dba"});
    pending.until_session_end = true;
    CHECK_FALSE(end_with_session(pending, "root@db-1", at).has_value());
    auto once = end_with_session(live, "root@db-1", at);
    CHECK_FALSE(end_with_session(*once, "root@db-1", at).has_value());  // ended already
  }
}

TEST_CASE("use_details says which use and what is left", "[approvals]") {
  CHECK(use_details(1, 0, "root@db-1") == "use 1 of 1 (root@db-1); no uses left");
  CHECK(use_details(3, 2, "root@db-1") == "use 1 of 3 (root@db-1); 2 left");
}
