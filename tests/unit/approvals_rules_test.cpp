// Access-request rules, part 1: who may request what (requestable roles, roles granting a
// login, planning a request) and who may review. Table-driven, one row per scenario.
#include "approvals_rules_fixture.hpp"

// ---------------------------------------------------------------------------------------------
// requestable_roles

namespace {
struct ThresholdRow {
  std::string user;
  std::vector<std::string> expected;  // "ROLE approve/deny ttl reason [reviewers]"
};

std::string describe(const RoleThreshold& t) {
  std::string text = t.role + " " + std::to_string(t.approve) + "/" + std::to_string(t.deny) +
                     " " + std::to_string(t.ttl.count()) + "s " +
                     (t.reason_required ? "required" : "optional") + " [";
  for (std::size_t i = 0; i < t.suggested_reviewers.size(); ++i) {
    text += (i ? "," : "") + t.suggested_reviewers[i];
  }
  return text + "]";
}

const std::vector<ThresholdRow> threshold_rows = {
    {"bob", {"dba 2/1 3600s required [alice,ivan]", "ops 2/1 3600s required [alice,ivan]"}},
    {"carol", {"dba 2/1 3600s required [alice,ivan]", "ops 2/1 3600s required [alice,ivan]"}},
    {"gina", {"ops 1/2 1800s optional [dave,sec-team]"}},
    // dev and oncall both offer ops: most approvals, fewest denials, shortest ttl, required.
    {"frank",
     {"dba 2/1 3600s required [alice,ivan]", "ops 2/1 1800s required [alice,ivan,dave,sec-team]"}},
    {"ivan", {}},  // reviewer roles offer nothing to request
    {"erin", {}},  // no roles at all
};
}  // namespace

TEST_CASE("requestable_roles table", "[rules]") {
  const ThresholdRow row = GENERATE(from_range(threshold_rows));
  CAPTURE(row.user);
  std::vector<std::string> actual;
  for (const auto& t : requestable_roles(fixture, user(row.user))) actual.push_back(describe(t));
  CHECK(actual == row.expected);
}

// ---------------------------------------------------------------------------------------------
// roles_granting

namespace {
struct GrantingRow {
  std::string user, login, target;
  std::vector<std::string> roles;
};

const std::vector<GrantingRow> granting_rows = {
    {"bob", "root", "db-1", {"dba"}},
    {"bob", "deploy", "web-1", {"ops"}},
    {"bob", "deploy", "db-1", {"ops"}},  // ops allows deploy on every target
    {"bob", "root", "web-1", {}},        // dba is for kind=db only
    {"bob", "ubuntu", "web-1", {}},      // dev allows it, but dev is not requestable
    {"gina", "root", "db-1", {}},        // gina may request ops only
    {"gina", "deploy", "web-1", {"ops"}},
    {"erin", "root", "db-1", {}},        // erin may request nothing
};
}  // namespace

TEST_CASE("roles_granting table", "[rules]") {
  const GrantingRow row = GENERATE(from_range(granting_rows));
  CAPTURE(row.user, row.login, row.target);
  const auto* target = fixture.find_target(row.target);
  REQUIRE(target != nullptr);
  CHECK(names(roles_granting(fixture, user(row.user), row.login, *target)) == row.roles);
}

// ---------------------------------------------------------------------------------------------
// plan_request

namespace {
struct PlanRow {
  const char* what;
  std::string requester;
  NewRequest request;
  // When it succeeds:
  std::vector<std::string> roles;
  std::vector<std::string> reviewers;
  seconds ttl;
  // When it fails (message not empty):
  Kind kind;
  std::string message;
};

NewRequest ask(std::vector<std::string> roles, std::string reason = "incident 42",
               std::optional<seconds> max_duration = std::nullopt,
               std::vector<std::string> reviewers = {}) {
  NewRequest r;
  r.roles = std::move(roles);
  r.reason = std::move(reason);
  r.max_duration = max_duration;
  r.reviewers = std::move(reviewers);
  return r;
}
NewRequest inline_ask(std::vector<std::string> roles) {
  auto r = ask(std::move(roles));
  r.login = "root";
  r.target = "db-1";
  r.source = "10.1.2.3:50022";
  return r;
}
NewRequest scoped_ask(std::vector<std::string> roles, std::string login, std::string target) {
  auto r = ask(std::move(roles));
  r.login = std::move(login);
  r.target = std::move(target);
  return r;
}
PlanRow plan_ok(const char* what, std::string requester, NewRequest request,
                std::vector<std::string> roles, std::vector<std::string> reviewers, seconds ttl) {
  return {what, std::move(requester), std::move(request), std::move(roles), std::move(reviewers),
          ttl, Kind::invalid, ""};
}
PlanRow plan_err(const char* what, std::string requester, NewRequest request, Kind kind,
                 std::string message) {
  return {what, std::move(requester), std::move(request), {}, {}, 0s, kind, std::move(message)};
}

const std::vector<PlanRow> plan_rows = {
    plan_ok("one role", "bob", ask({"dba"}), {"dba"}, {"alice", "ivan"}, 1h),
    plan_ok("two roles", "bob", ask({"dba", "ops"}), {"dba", "ops"}, {"alice", "ivan"}, 1h),
    plan_ok("duplicate roles merged", "bob", ask({"dba", "ops", "dba", "ops"}), {"dba", "ops"},
            {"alice", "ivan"}, 1h),
    plan_ok("inline context copied", "bob", inline_ask({"dba"}), {"dba"}, {"alice", "ivan"}, 1h),
    plan_ok("holding the role already is no obstacle", "carol", ask({"dba"}), {"dba"},
            {"alice", "ivan"}, 1h),
    plan_err("no roles", "bob", ask({}), Kind::invalid, "name at least one role to request"),
    plan_err("unknown role", "bob", ask({"dba", "nope"}), Kind::invalid, "no role named 'nope'"),
    plan_err("unknown role checked before the reason", "bob", ask({"nope"}, ""), Kind::invalid,
             "no role named 'nope'"),
    plan_err("held role is not requestable", "bob", ask({"dev"}), Kind::not_allowed,
             "you cannot request role 'dev'"),
    plan_err("reviewer role is not requestable", "bob", ask({"dba", "dba-reviewer"}),
             Kind::not_allowed, "you cannot request role 'dba-reviewer'"),
    plan_err("no request policy at all", "erin", ask({"dba"}), Kind::not_allowed,
             "you cannot request role 'dba'"),
    plan_err("oncall may request ops only", "gina", ask({"dba"}), Kind::not_allowed,
             "you cannot request role 'dba'"),
    // reason
    plan_err("reason missing", "bob", ask({"dba"}, ""), Kind::invalid,
             "a reason is required to request role 'dba'"),
    plan_err("blank reason is missing", "bob", ask({"dba"}, " \t\n"), Kind::invalid,
             "a reason is required to request role 'dba'"),
    plan_ok("reason optional for oncall", "gina", ask({"ops"}, ""), {"ops"},
            {"dave", "sec-team"}, 30min),
    plan_err("reason required when any offering role requires it", "frank", ask({"ops"}, ""),
             Kind::invalid, "a reason is required to request role 'ops'"),
    plan_ok("reason of exactly the maximum", "bob", ask({"dba"}, max_reason), {"dba"},
            {"alice", "ivan"}, 1h),
    plan_err("reason too long", "bob", ask({"dba"}, long_reason), Kind::invalid,
             "the reason is longer than 1024 bytes"),
    plan_err("reason too long even when optional", "gina", ask({"ops"}, long_reason),
             Kind::invalid, "the reason is longer than 1024 bytes"),
    plan_err("reason with NUL", "bob", ask({"dba"}, std::string("a\0b", 3)), Kind::invalid,
             "the reason must not contain a NUL byte"),
    plan_ok("reason with escapes kept as typed", "bob", ask({"dba"}, "fix \x1b[31mnow\n"),
            {"dba"}, {"alice", "ivan"}, 1h),
    // max_duration
    plan_ok("max_duration shorter", "bob", ask({"dba"}, "x", 30min), {"dba"}, {"alice", "ivan"},
            1h),
    plan_ok("max_duration equal to the role's", "bob", ask({"dba"}, "x", 8h), {"dba"},
            {"alice", "ivan"}, 1h),
    plan_err("max_duration too long", "bob", ask({"dba"}, "x", 9h), Kind::invalid,
             "role 'dba' can be granted for at most 8h"),
    plan_err("max_duration too long for one of two roles", "bob", ask({"dba", "ops"}, "x", 3h),
             Kind::invalid, "role 'ops' can be granted for at most 2h"),
    plan_err("max_duration zero", "bob", ask({"dba"}, "x", 0s), Kind::invalid,
             "the maximum duration must be positive"),
    plan_err("max_duration negative", "bob", ask({"dba"}, "x", -1s), Kind::invalid,
             "the maximum duration must be positive"),
    // reviewers and ttl
    plan_ok("reviewers given", "bob", ask({"dba"}, "x", {}, {"dave"}), {"dba"}, {"dave"}, 1h),
    plan_ok("reviewers given: any configured user, duplicates merged", "bob",
            ask({"dba"}, "x", {}, {"dave", "erin", "dave"}), {"dba"}, {"dave", "erin"}, 1h),
    plan_err("reviewer unknown", "bob", ask({"dba"}, "x", {}, {"dave", "zed"}), Kind::invalid,
             "no user named 'zed'"),
    plan_err("hook is not a user to suggest", "bob", ask({"dba"}, "x", {}, {"hook:pager"}),
             Kind::invalid, "no user named 'hook:pager'"),
    plan_err("suggesting oneself", "alice", ask({"dba"}, "x", {}, {"ivan", "alice"}),
             Kind::invalid, "you cannot review your own request"),
    plan_ok("policy suggestion leaves the requester out", "alice", ask({"dba"}), {"dba"},
            {"ivan"}, 1h),
    plan_ok("policy suggestions merged, unknown names kept, shortest ttl", "frank",
            ask({"dba", "ops"}), {"dba", "ops"}, {"alice", "ivan", "dave", "sec-team"}, 30min),
    // one login on one target (request create --login --target, or inline)
    plan_ok("scoped, the role that allows it found", "bob", scoped_ask({}, "root", "db-1"),
            {"dba"}, {"alice", "ivan"}, 1h),
    plan_ok("scoped, through a named role", "bob", scoped_ask({"dba"}, "root", "db-1"), {"dba"},
            {"alice", "ivan"}, 1h),
    plan_err("scoped, a named role that does not allow it", "bob",
             scoped_ask({"dba", "ops"}, "root", "db-1"), Kind::invalid,
             "role 'ops' does not allow root on db-1"),
    plan_err("scoped, no requestable role allows it", "bob", scoped_ask({}, "ubuntu", "db-1"),
             Kind::not_allowed, "no role you can request allows ubuntu on db-1"),
    plan_err("scoped, unknown target", "bob", scoped_ask({}, "root", "db-9"), Kind::invalid,
             "no target named 'db-9'"),
    plan_err("a login without a target", "bob", scoped_ask({"dba"}, "root", ""), Kind::invalid,
             "a request for one login names both the login and the target"),
    // request: {scope: resource}
    plan_err("scope resource: the whole role may not be requested", "hank", ask({"dba"}),
             Kind::not_allowed,
             "role 'dba' can be requested only for one login on one target (--login and "
             "--target)"),
    plan_ok("scope resource: one login on one target may", "hank",
            scoped_ask({}, "root", "db-1"), {"dba"}, {"alice"}, 1h),
};
}  // namespace

TEST_CASE("plan_request table", "[rules]") {
  const PlanRow row = GENERATE(from_range(plan_rows));
  CAPTURE(row.what);
  auto result = plan_request(fixture, user(row.requester), row.request, t0, kId);

  if (!row.message.empty()) {
    REQUIRE(std::holds_alternative<RuleError>(result));
    const auto& error = std::get<RuleError>(result);
    CHECK(error.message == row.message);
    CHECK(error.kind == row.kind);
    return;
  }
  if (auto* error = std::get_if<RuleError>(&result)) FAIL("unexpected error: " << error->message);
  const auto& r = std::get<AccessRequest>(result);
  CHECK(r.id == kId);
  CHECK(r.user == row.requester);
  CHECK(r.roles == row.roles);
  CHECK(r.reason == row.request.reason);  // as typed
  CHECK(r.suggested_reviewers == row.reviewers);
  CHECK(r.state == RequestState::pending);
  CHECK(r.created == t0);
  CHECK(r.expires == t0 + row.ttl);
  CHECK(r.max_duration == row.request.max_duration);
  CHECK_FALSE(r.resolved.has_value());
  CHECK_FALSE(r.grant_expires.has_value());
  CHECK(r.resolution_reason.empty());
  CHECK(r.reviews.empty());
  CHECK(r.login == row.request.login);
  CHECK(r.target == row.request.target);
  CHECK(r.source == row.request.source);
  CHECK(r.version == 1);
}

// ---------------------------------------------------------------------------------------------
// may_review

namespace {
struct MayReviewRow {
  std::string reviewer, requester;
  std::vector<std::string> roles;
  bool may;
};

const std::vector<MayReviewRow> may_review_rows = {
    {"alice", "bob", {"dba"}, true},
    {"ivan", "bob", {"dba"}, true},
    {"dave", "bob", {"dba"}, true},
    {"dave", "bob", {"ops"}, true},
    {"olga", "bob", {"ops"}, true},
    {"alice", "bob", {"ops"}, false},        // reviews dba only
    {"olga", "bob", {"dba"}, false},         // reviews ops only
    {"alice", "bob", {"dba", "ops"}, true},  // one of the roles is enough to take part
    {"olga", "bob", {"dba", "ops"}, true},
    {"alice", "alice", {"dba"}, false},      // never one's own request
    {"dave", "dave", {"dba", "ops"}, false},
    {"carol", "bob", {"dba"}, false},        // holding dba is not reviewing it
    {"bob", "carol", {"dba"}, false},
    {"erin", "bob", {"dba"}, false},
    {"zed", "bob", {"dba"}, false},          // not a configured user
    {"", "bob", {"dba"}, false},
    {"hook:pager", "bob", {"dba", "ops"}, true},
    {"hook:", "bob", {"dba"}, false},        // a hook needs a name
    {"Hook:pager", "bob", {"dba"}, false},
};
}  // namespace

TEST_CASE("may_review table", "[rules]") {
  const MayReviewRow row = GENERATE(from_range(may_review_rows));
  CAPTURE(row.reviewer, row.requester, row.roles);
  AccessRequest request;
  request.id = kId;
  request.user = row.requester;
  request.roles = row.roles;
  request.expires = t0 + 1h;
  CHECK(may_review(fixture, row.reviewer, request) == row.may);
}

// ---------------------------------------------------------------------------------------------
// Scenarios: a request planned at t0, then reviews and cancels in order. Every step before the
// last must succeed; the last may be refused.
