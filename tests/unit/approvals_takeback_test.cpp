// Taking access back: dropping and revoking an approved request. Table-driven, one row per
// scenario, on the shared rules fixture plus one admin.
#include "approvals_rules_fixture.hpp"

using holdgate::approvals::drop_request;
using holdgate::approvals::is_admin;
using holdgate::approvals::may_revoke;
using holdgate::approvals::revoke_request;

namespace {

// bob's dba request, approved by alice and ivan one minute after t0 (grant for 8h).
AccessRequest approved_dba() {
  return run_steps(planned("bob", {"dba"}), {approve("alice", 1min), approve("ivan", 1min)});
}

enum class Take { drop, revoke };
struct TakeRow {
  const char* what;
  Take take;
  std::string by;
  std::string reason;
  milliseconds at;          // after t0
  std::string error;        // "" when it succeeds
  Kind kind = Kind::invalid;
  std::string resolution;   // when it succeeds
};

const std::vector<TakeRow> take_rows = {
    {"the requester drops", Take::drop, "bob", "", 2min, "", {}, "dropped by bob"},
    {"nobody else drops", Take::drop, "alice", "", 2min, "only bob can drop this request",
     Kind::not_allowed, ""},
    {"a reviewer of the role revokes", Take::revoke, "ivan", "incident over", 2min, "", {},
     "revoked by ivan: incident over"},
    {"an admin revokes what they may not review", Take::revoke, "erin", "breach", 2min, "", {},
     "revoked by erin: breach"},
    {"a reviewer of another role may not", Take::revoke, "olga", "x", 2min,
     "you cannot revoke this request", Kind::not_allowed, ""},
    {"the requester is pointed at drop", Take::revoke, "bob", "x", 2min,
     "use 'request drop' to give up your own access", Kind::not_allowed, ""},
    {"a revocation needs a reason", Take::revoke, "ivan", "  ", 2min,
     "a revocation needs a reason: --reason \"...\"", Kind::invalid, ""},
    {"a reason over the limit", Take::revoke, "ivan", long_reason, 2min,
     "the reason is longer than 1024 bytes", Kind::invalid, ""},
    {"nothing to drop once the grant ended", Take::drop, "bob", "", 1min + 8h,
     "the access granted by request req-1 has already ended", Kind::not_pending, ""},
    {"nothing to revoke once the grant ended", Take::revoke, "ivan", "late", 9h,
     "the access granted by request req-1 has already ended", Kind::not_pending, ""},
};

std::variant<AccessRequest, RuleError> take(const cfg::Config& c, const AccessRequest& request,
                                            const TakeRow& row) {
  auto now = t0 + row.at;
  if (row.take == Take::drop) return drop_request(request, row.by, now);
  return revoke_request(c, request, row.by, row.reason, now);
}

}  // namespace

TEST_CASE("drop and revoke table", "[rules]") {
  for (const auto& row : take_rows) {
    INFO(row.what);
    AccessRequest request = approved_dba();
    REQUIRE(request.state == RequestState::approved);
    auto result = take(admins, request, row);
    if (row.error.empty()) {
      REQUIRE(std::holds_alternative<AccessRequest>(result));
      const auto& ended = std::get<AccessRequest>(result);
      CHECK(ended.state == (row.take == Take::drop ? RequestState::dropped : RequestState::revoked));
      CHECK(ended.resolution_reason == row.resolution);
      CHECK(ended.grant_expires == t0 + row.at);  // the grant ends now
      CHECK(ended.resolved == request.resolved);  // it left PENDING when it was approved
      CHECK(ended.version == request.version + 1);
    } else {
      REQUIRE(std::holds_alternative<RuleError>(result));
      CHECK(std::get<RuleError>(result).message == row.error);
      CHECK(std::get<RuleError>(result).kind == row.kind);
    }
  }
}

TEST_CASE("only APPROVED requests can be taken back, and only once", "[rules]") {
  AccessRequest waiting = planned("bob", {"dba"});
  auto dropped = drop_request(waiting, "bob", t0 + 1min);
  REQUIRE(std::holds_alternative<RuleError>(dropped));
  CHECK(std::get<RuleError>(dropped).message == "request req-1 is PENDING, not APPROVED");

  auto first = revoke_request(admins, approved_dba(), "ivan", "done", t0 + 2min);
  REQUIRE(std::holds_alternative<AccessRequest>(first));
  auto again = drop_request(std::get<AccessRequest>(first), "bob", t0 + 3min);
  REQUIRE(std::holds_alternative<RuleError>(again));
  CHECK(std::get<RuleError>(again).message == "request req-1 is REVOKED, not APPROVED");
  CHECK(std::get<RuleError>(again).kind == Kind::not_pending);
}

TEST_CASE("admins and who may revoke", "[rules]") {
  AccessRequest request = approved_dba();
  CHECK(is_admin(admins, "erin"));
  CHECK_FALSE(is_admin(admins, "alice"));
  CHECK_FALSE(is_admin(admins, "nobody"));
  CHECK_FALSE(is_admin(fixture, "erin"));
  CHECK(may_revoke(admins, "erin", request));
  CHECK(may_revoke(admins, "dave", request));  // dba-reviewer
  CHECK_FALSE(may_revoke(admins, "olga", request));
  CHECK_FALSE(may_revoke(admins, "bob", request));
}
