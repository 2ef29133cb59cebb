// Access-request rules: who may request and review what, how reviews add up, expiry and
// cancelling. Table-driven, one row per scenario, against a small config built in code and a
// fixed clock.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "approvals/request_rules.hpp"
#include "config/config.hpp"

namespace cfg = holdgate::config;
using namespace std::chrono_literals;
using holdgate::approvals::AccessRequest;
using holdgate::approvals::apply_review;
using holdgate::approvals::cancel_request;
using holdgate::approvals::Decision;
using holdgate::approvals::expire_if_due;
using holdgate::approvals::may_review;
using holdgate::approvals::NewRequest;
using holdgate::approvals::plan_request;
using holdgate::approvals::progress;
using holdgate::approvals::RequestState;
using holdgate::approvals::requestable_roles;
using holdgate::approvals::RoleProgress;
using holdgate::approvals::RoleThreshold;
using holdgate::approvals::roles_granting;
using holdgate::approvals::RuleError;
using holdgate::approvals::TimePoint;
using Kind = RuleError::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

cfg::LabelSelector sel(std::map<std::string, std::vector<std::string>> labels) {
  return cfg::LabelSelector{false, std::move(labels)};
}

// targets: db-1 {env: prod, kind: db}, web-1 {env: staging}
// users:   bob [dev], alice [dev, dba-reviewer], ivan [dba-reviewer], carol [dev, dba],
//          dave [dba-reviewer, ops-reviewer], erin [], olga [ops-reviewer],
//          frank [dev, oncall], gina [oncall]
// roles:   dev     allow ubuntu on {env: staging};
//                  request {roles: [dba, ops], reviewers: [alice, ivan], approve: 2, deny: 1,
//                           ttl: 1h}
//          dba     allow root on {kind: db}; max_duration 8h
//          ops     allow deploy on "*"; max_duration 2h
//          dba-reviewer  review {roles: [dba]}
//          ops-reviewer  review {roles: [ops]}
//          oncall  request {roles: [ops], reviewers: [dave, sec-team], approve: 1, deny: 2,
//                           ttl: 30m, reason: optional}   (sec-team is not a configured user)
cfg::Config make_fixture() {
  cfg::Config c;
  c.targets = {
      {"db-1", {"10.0.0.1", 22}, {{"env", "prod"}, {"kind", "db"}}},
      {"web-1", {"10.0.0.2", 22}, {{"env", "staging"}}},
  };
  c.users = {
      {"bob", {}, {"dev"}, {}},
      {"alice", {}, {"dev", "dba-reviewer"}, {}},
      {"ivan", {}, {"dba-reviewer"}, {}},
      {"carol", {}, {"dev", "dba"}, {}},
      {"dave", {}, {"dba-reviewer", "ops-reviewer"}, {}},
      {"erin", {}, {}, {}},
      {"olga", {}, {"ops-reviewer"}, {}},
      {"frank", {}, {"dev", "oncall"}, {}},
      {"gina", {}, {"oncall"}, {}},
  };
  using Reason = cfg::RequestPolicy::Reason;
  cfg::Role dev{"dev",
                {{{"ubuntu"}, sel({{"env", {"staging"}}})}},
                cfg::RequestPolicy{{"dba", "ops"}, {"alice", "ivan"}, 2, 1, 1h, Reason::required},
                {},
                1h};
  cfg::Role dba{"dba", {{{"root"}, sel({{"kind", {"db"}}})}}, {}, {}, 8h};
  cfg::Role ops{"ops", {{{"deploy"}, cfg::LabelSelector{true, {}}}}, {}, {}, 2h};
  cfg::Role dba_reviewer{"dba-reviewer", {}, {}, cfg::ReviewPolicy{{"dba"}}, 1h};
  cfg::Role ops_reviewer{"ops-reviewer", {}, {}, cfg::ReviewPolicy{{"ops"}}, 1h};
  cfg::Role oncall{"oncall",
                   {},
                   cfg::RequestPolicy{{"ops"}, {"dave", "sec-team"}, 1, 2, 30min, Reason::optional},
                   {},
                   1h};
  c.roles = {dev, dba, ops, dba_reviewer, ops_reviewer, oncall};
  return c;
}

const cfg::Config fixture = make_fixture();
const TimePoint t0 = TimePoint{} + std::chrono::hours(480'000);  // fixed; no clock reads
const std::string kId = "req-1";

const cfg::User& user(const std::string& name) {
  if (const auto* found = fixture.find_user(name)) return *found;
  FAIL("fixture has no user " << name);
  throw;  // unreachable
}

// A request planned at t0 that must succeed (the scenario tables start from one).
AccessRequest planned(const std::string& requester, std::vector<std::string> roles,
                      std::optional<seconds> max_duration = std::nullopt) {
  NewRequest request;
  request.roles = std::move(roles);
  request.max_duration = max_duration;
  request.reason = "incident 42";
  auto result = plan_request(fixture, user(requester), request, t0, kId);
  if (auto* error = std::get_if<RuleError>(&result)) FAIL("plan_request: " << error->message);
  return std::get<AccessRequest>(result);
}

std::vector<std::string> names(const std::vector<RoleThreshold>& thresholds) {
  std::vector<std::string> result;
  for (const auto& t : thresholds) result.push_back(t.role);
  return result;
}

// "dba 1/2 deny 0/1": one role's progress, comparable in a table.
std::string describe(const RoleProgress& p) {
  return p.role + " " + std::to_string(p.approvals) + "/" + std::to_string(p.approvals_needed) +
         " deny " + std::to_string(p.denials) + "/" + std::to_string(p.denials_needed);
}

// One thing that happens to a request: a review, or a cancel by `actor`.
enum class Act { approve, deny, cancel };
struct Step {
  std::string actor;
  Act act;
  milliseconds at;  // after t0
  std::string reason = "";
};
Step approve(std::string who, milliseconds at, std::string reason = "") {
  return {std::move(who), Act::approve, at, std::move(reason)};
}
Step deny(std::string who, milliseconds at, std::string reason = "") {
  return {std::move(who), Act::deny, at, std::move(reason)};
}
Step cancel(std::string who, milliseconds at) { return {std::move(who), Act::cancel, at}; }

std::variant<AccessRequest, RuleError> run(const AccessRequest& request, const Step& step) {
  const TimePoint now = t0 + step.at;
  switch (step.act) {
    case Act::approve:
      return apply_review(fixture, request, step.actor, Decision::approve, step.reason, now);
    case Act::deny:
      return apply_review(fixture, request, step.actor, Decision::deny, step.reason, now);
    case Act::cancel:
      return cancel_request(request, step.actor, now);
  }
  throw std::logic_error("unknown act");
}

// Applies the first `count` steps, which must all succeed.
AccessRequest run_steps(AccessRequest request, const std::vector<Step>& steps, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    auto result = run(request, steps[i]);
    if (auto* error = std::get_if<RuleError>(&result)) {
      FAIL("step " << i << " (" << steps[i].actor << ") failed: " << error->message);
    }
    request = std::get<AccessRequest>(std::move(result));
  }
  return request;
}
AccessRequest run_steps(AccessRequest request, const std::vector<Step>& steps) {
  return run_steps(std::move(request), steps, steps.size());
}

const std::string long_reason(holdgate::approvals::max_reason_bytes + 1, 'x');
const std::string max_reason(holdgate::approvals::max_reason_bytes, 'x');

}  // namespace

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

namespace {
struct ScenarioRow {
  const char* what;
  std::string requester;
  std::vector<std::string> roles;
  std::optional<seconds> max_duration;
  std::vector<Step> steps;
  RequestState state;              // after all steps
  std::string error;               // the last step's refusal; "" when it succeeds
  Kind kind;                       // of that refusal
  int approvals, approvals_needed; // progress() after all steps
  std::optional<seconds> grant;    // grant_expires after the last successful step's time
  std::string resolution;          // resolution_reason after all steps
};

const Kind no_error = Kind::invalid;  // placeholder when `error` is empty
const auto pending = RequestState::pending;
const auto approved = RequestState::approved;
const auto denied = RequestState::denied;
const auto cancelled = RequestState::cancelled;

const std::vector<ScenarioRow> scenario_rows = {
    // one role
    {"single role, two approvals", "bob", {"dba"}, {},
     {approve("alice", 1min), approve("ivan", 2min)},
     approved, "", no_error, 2, 2, 8h, "approved by alice, ivan"},
    {"one approval stays pending", "bob", {"dba"}, {},
     {approve("alice", 1min)}, pending, "", no_error, 1, 2, {}, ""},
    {"one deny denies", "bob", {"dba"}, {},
     {deny("ivan", 1min, "not during the freeze")},
     denied, "", no_error, 0, 2, {}, "not during the freeze"},
    {"deny after an approval", "bob", {"dba"}, {},
     {approve("alice", 1min), deny("ivan", 2min)},
     denied, "", no_error, 1, 2, {}, "denied by ivan"},
    {"deciding reviewer's reason is the resolution", "bob", {"dba"}, {},
     {approve("alice", 1min, "fine"), approve("dave", 2min, "ok, go")},
     approved, "", no_error, 2, 2, 8h, "ok, go"},
    {"blank reason falls back to the reviewers", "bob", {"dba"}, {},
     {approve("alice", 1min, "fine"), approve("dave", 2min, "  ")},
     approved, "", no_error, 2, 2, 8h, "approved by alice, dave"},
    // several roles
    {"two roles: dave counts for both, alice for dba only", "bob", {"dba", "ops"}, {},
     {approve("dave", 1min), approve("alice", 2min)}, pending, "", no_error, 3, 4, {}, ""},
    {"two roles: approved when each has its own two", "bob", {"dba", "ops"}, {},
     {approve("dave", 1min), approve("alice", 2min), approve("olga", 3min)},
     approved, "", no_error, 4, 4, 2h, "approved by dave, alice, olga"},
    {"two roles: dba reviewers do not advance ops", "bob", {"dba", "ops"}, {},
     {approve("alice", 1min), approve("ivan", 2min)}, pending, "", no_error, 2, 4, {}, ""},
    {"two roles: third dba approval still not ops", "bob", {"dba", "ops"}, {},
     {approve("alice", 1min), approve("ivan", 2min), approve("dave", 3min)},
     pending, "", no_error, 3, 4, {}, ""},
    {"two roles: an ops deny denies the whole", "bob", {"dba", "ops"}, {},
     {approve("alice", 1min), approve("ivan", 2min), deny("olga", 3min)},
     denied, "", no_error, 2, 4, {}, "denied by olga"},
    {"two roles: a dba deny denies the whole", "bob", {"dba", "ops"}, {},
     {deny("ivan", 1min)}, denied, "", no_error, 0, 4, {}, "denied by ivan"},
    // thresholds from the requester's roles
    {"oncall: one approval is enough", "gina", {"ops"}, {},
     {approve("dave", 1min)}, approved, "", no_error, 1, 1, 2h, "approved by dave"},
    {"oncall: one deny of two", "gina", {"ops"}, {},
     {deny("olga", 1min)}, pending, "", no_error, 0, 1, {}, ""},
    {"oncall: two denies", "gina", {"ops"}, {},
     {deny("olga", 1min), deny("dave", 2min)},
     denied, "", no_error, 0, 1, {}, "denied by olga, dave"},
    {"dev and oncall: the stricter two approvals", "frank", {"ops"}, {},
     {approve("dave", 1min)}, pending, "", no_error, 1, 2, {}, ""},
    // who may review
    {"own request", "alice", {"dba"}, {},
     {approve("alice", 1min)}, pending, "you cannot review your own request", Kind::not_allowed,
     0, 2, {}, ""},
    {"own request, after another's approval", "alice", {"dba"}, {},
     {approve("ivan", 1min), approve("alice", 2min)},
     pending, "you cannot review your own request", Kind::not_allowed, 1, 2, {}, ""},
    {"own request, deny", "alice", {"dba"}, {},
     {deny("alice", 1min)}, pending, "you cannot review your own request", Kind::not_allowed,
     0, 2, {}, ""},
    {"not entitled: no roles", "bob", {"dba"}, {},
     {approve("erin", 1min)}, pending, "you cannot review requests for dba", Kind::not_allowed,
     0, 2, {}, ""},
    {"not entitled: requester's peer", "carol", {"dba", "ops"}, {},
     {approve("bob", 1min)}, pending, "you cannot review requests for dba or ops",
     Kind::not_allowed, 0, 4, {}, ""},
    {"not entitled: dba reviewer on ops", "bob", {"ops"}, {},
     {approve("alice", 1min)}, pending, "you cannot review requests for ops", Kind::not_allowed,
     0, 2, {}, ""},
    {"not entitled: unknown name", "bob", {"dba"}, {},
     {approve("zed", 1min)}, pending, "you cannot review requests for dba", Kind::not_allowed,
     0, 2, {}, ""},
    {"reviewing twice", "bob", {"dba"}, {},
     {approve("alice", 1min), approve("alice", 2min)},
     pending, "you have already reviewed request req-1", Kind::not_allowed, 1, 2, {}, ""},
    {"changing one's mind", "bob", {"dba"}, {},
     {approve("alice", 1min), deny("alice", 2min)},
     pending, "you have already reviewed request req-1", Kind::not_allowed, 1, 2, {}, ""},
    {"review reason too long", "bob", {"dba"}, {},
     {approve("alice", 1min, long_reason)},
     pending, "the reason is longer than 1024 bytes", Kind::invalid, 0, 2, {}, ""},
    {"review reason with NUL", "bob", {"dba"}, {},
     {deny("alice", 1min, std::string("no\0", 3))},
     pending, "the reason must not contain a NUL byte", Kind::invalid, 0, 2, {}, ""},
    // hooks
    {"hook counts once for every role", "bob", {"dba", "ops"}, {},
     {approve("hook:pager", 1min)}, pending, "", no_error, 2, 4, {}, ""},
    {"two hooks approve two roles", "bob", {"dba", "ops"}, {},
     {approve("hook:pager", 1min), approve("hook:audit", 2min)},
     approved, "", no_error, 4, 4, 2h, "approved by hook:pager, hook:audit"},
    {"hook and dave approve two roles", "bob", {"dba", "ops"}, {},
     {approve("hook:pager", 1min), approve("dave", 2min)},
     approved, "", no_error, 4, 4, 2h, "approved by hook:pager, dave"},
    {"hook denies", "bob", {"dba"}, {},
     {deny("hook:pager", 1min, "outside hours")}, denied, "", no_error, 0, 2, {}, "outside hours"},
    {"hook reviews once", "bob", {"dba"}, {},
     {approve("hook:pager", 1min), approve("hook:pager", 2min)},
     pending, "you have already reviewed request req-1", Kind::not_allowed, 1, 2, {}, ""},
    // grant expiry
    {"grant: the role's max_duration", "bob", {"dba"}, {},
     {approve("alice", 1min), approve("ivan", 7min)}, approved, "", no_error, 2, 2, 8h,
     "approved by alice, ivan"},
    {"grant: the shortest of two roles", "bob", {"dba", "ops"}, {},
     {approve("hook:a", 1min), approve("hook:b", 2min)}, approved, "", no_error, 4, 4, 2h,
     "approved by hook:a, hook:b"},
    {"grant: the requested duration when shorter", "bob", {"dba"}, 30min,
     {approve("alice", 1min), approve("ivan", 2min)}, approved, "", no_error, 2, 2, 30min,
     "approved by alice, ivan"},
    {"grant: requested between the two roles' limits", "bob", {"dba", "ops"}, 90min,
     {approve("hook:a", 1min), approve("hook:b", 2min)}, approved, "", no_error, 4, 4, 90min,
     "approved by hook:a, hook:b"},
    {"grant: requested equal to the limit", "bob", {"dba"}, 8h,
     {approve("alice", 1min), approve("ivan", 2min)}, approved, "", no_error, 2, 2, 8h,
     "approved by alice, ivan"},
    // after PENDING nothing changes
    {"review after APPROVED", "bob", {"dba"}, {},
     {approve("alice", 1min), approve("ivan", 2min), approve("dave", 3min)},
     approved, "request req-1 is already APPROVED", Kind::not_pending, 2, 2, 8h,
     "approved by alice, ivan"},
    {"review after DENIED", "bob", {"dba"}, {},
     {deny("ivan", 1min), approve("alice", 2min)},
     denied, "request req-1 is already DENIED", Kind::not_pending, 0, 2, {}, "denied by ivan"},
    {"own review after DENIED: the state speaks first", "alice", {"dba"}, {},
     {deny("ivan", 1min), approve("alice", 2min)},
     denied, "request req-1 is already DENIED", Kind::not_pending, 0, 2, {}, "denied by ivan"},
    {"review one second before expiry", "bob", {"dba"}, {},
     {approve("alice", 3599s)}, pending, "", no_error, 1, 2, {}, ""},
    {"review one millisecond before expiry", "bob", {"dba"}, {},
     {approve("alice", 3600s - 1ms)}, pending, "", no_error, 1, 2, {}, ""},
    {"review at expiry", "bob", {"dba"}, {},
     {approve("alice", 1h)}, pending, "request req-1 has expired", Kind::not_pending, 0, 2, {},
     ""},
    {"deciding review after expiry", "bob", {"dba"}, {},
     {approve("alice", 1min), approve("ivan", 2h)},
     pending, "request req-1 has expired", Kind::not_pending, 1, 2, {}, ""},
    {"oncall expires after 30m", "gina", {"ops"}, {},
     {approve("dave", 30min)}, pending, "request req-1 has expired", Kind::not_pending, 0, 1,
     {}, ""},
    // cancel
    {"cancel by the requester", "bob", {"dba"}, {},
     {cancel("bob", 1min)}, cancelled, "", no_error, 0, 2, {}, "cancelled by bob"},
    {"cancel after an approval", "bob", {"dba"}, {},
     {approve("alice", 1min), cancel("bob", 2min)}, cancelled, "", no_error, 1, 2, {},
     "cancelled by bob"},
    {"cancel by someone else", "bob", {"dba"}, {},
     {cancel("alice", 1min)}, pending, "only bob can cancel this request", Kind::not_allowed,
     0, 2, {}, ""},
    {"cancel by a hook", "bob", {"dba"}, {},
     {cancel("hook:pager", 1min)}, pending, "only bob can cancel this request",
     Kind::not_allowed, 0, 2, {}, ""},
    {"cancel after APPROVED", "bob", {"dba"}, {},
     {approve("alice", 1min), approve("ivan", 2min), cancel("bob", 3min)},
     approved, "request req-1 is already APPROVED", Kind::not_pending, 2, 2, 8h,
     "approved by alice, ivan"},
    {"someone else cancels after APPROVED", "bob", {"dba"}, {},
     {approve("alice", 1min), approve("ivan", 2min), cancel("erin", 3min)},
     approved, "only bob can cancel this request", Kind::not_allowed, 2, 2, 8h,
     "approved by alice, ivan"},
    {"cancel twice", "bob", {"dba"}, {},
     {cancel("bob", 1min), cancel("bob", 2min)},
     cancelled, "request req-1 is already CANCELLED", Kind::not_pending, 0, 2, {},
     "cancelled by bob"},
    {"review after cancel", "bob", {"dba"}, {},
     {cancel("bob", 1min), approve("alice", 2min)},
     cancelled, "request req-1 is already CANCELLED", Kind::not_pending, 0, 2, {},
     "cancelled by bob"},
    {"cancel at expiry", "bob", {"dba"}, {},
     {cancel("bob", 1h)}, pending, "request req-1 has expired", Kind::not_pending, 0, 2, {}, ""},
};
}  // namespace

TEST_CASE("review and cancel scenarios table", "[rules]") {
  const ScenarioRow row = GENERATE(from_range(scenario_rows));
  CAPTURE(row.what);
  REQUIRE_FALSE(row.steps.empty());
  std::size_t applied = row.steps.size() - 1;
  auto request =
      run_steps(planned(row.requester, row.roles, row.max_duration), row.steps, applied);
  TimePoint last_ok = applied > 0 ? t0 + row.steps[applied - 1].at : t0;

  const Step& last = row.steps.back();
  auto result = run(request, last);
  if (!row.error.empty()) {
    REQUIRE(std::holds_alternative<RuleError>(result));
    CHECK(std::get<RuleError>(result).message == row.error);
    CHECK(std::get<RuleError>(result).kind == row.kind);
  } else {
    if (auto* error = std::get_if<RuleError>(&result)) FAIL("last step failed: " << error->message);
    request = std::get<AccessRequest>(std::move(result));
    last_ok = t0 + last.at;
    ++applied;
  }

  CHECK(request.state == row.state);
  CHECK(request.version == 1 + static_cast<long>(applied));
  CHECK(request.resolution_reason == row.resolution);
  if (row.state == pending) {
    CHECK_FALSE(request.resolved.has_value());
  } else {
    CHECK(request.resolved == last_ok);
  }
  if (row.grant) {
    CHECK(request.grant_expires == last_ok + *row.grant);
  } else {
    CHECK_FALSE(request.grant_expires.has_value());
  }

  // Every applied review is recorded as made, in order.
  std::vector<std::string> reviewers;
  for (std::size_t i = 0; i < applied; ++i) {
    if (row.steps[i].act == Act::cancel) continue;
    reviewers.push_back(row.steps[i].actor);
  }
  REQUIRE(request.reviews.size() == reviewers.size());
  for (std::size_t i = 0, r = 0; i < applied; ++i) {
    const Step& step = row.steps[i];
    if (step.act == Act::cancel) continue;
    const auto& review = request.reviews[r++];
    CHECK(review.reviewer == step.actor);
    CHECK(review.decision == (step.act == Act::approve ? Decision::approve : Decision::deny));
    CHECK(review.reason == step.reason);
    CHECK(review.at == t0 + step.at);
  }

  const auto p = progress(fixture, request);
  CHECK(p.approvals == row.approvals);
  CHECK(p.approvals_needed == row.approvals_needed);
}

// ---------------------------------------------------------------------------------------------
// progress

namespace {
struct ProgressRow {
  const char* what;
  std::string requester;
  std::vector<std::string> roles;
  std::vector<Step> steps;  // all must succeed
  std::vector<std::string> per_role;
  int approvals, approvals_needed;
  std::vector<std::string> can_still_review;
};

const std::vector<ProgressRow> progress_rows = {
    {"fresh dba request", "bob", {"dba"}, {},
     {"dba 0/2 deny 0/1"}, 0, 2, {"alice", "ivan", "dave"}},
    {"the requester is left out", "alice", {"dba"}, {},
     {"dba 0/2 deny 0/1"}, 0, 2, {"ivan", "dave"}},
    {"a reviewer who reviewed is left out", "bob", {"dba"}, {approve("ivan", 1min)},
     {"dba 1/2 deny 0/1"}, 1, 2, {"alice", "dave"}},
    {"ops reviewers", "bob", {"ops"}, {},
     {"ops 0/2 deny 0/1"}, 0, 2, {"dave", "olga"}},
    {"two roles: anyone entitled to one, config order", "bob", {"dba", "ops"}, {},
     {"dba 0/2 deny 0/1", "ops 0/2 deny 0/1"}, 0, 4, {"alice", "ivan", "dave", "olga"}},
    {"two roles: dave counts for both", "bob", {"dba", "ops"}, {approve("dave", 1min)},
     {"dba 1/2 deny 0/1", "ops 1/2 deny 0/1"}, 2, 4, {"alice", "ivan", "olga"}},
    {"two roles: a surplus on dba does not fill ops", "bob", {"dba", "ops"},
     {approve("alice", 1min), approve("ivan", 2min), approve("dave", 3min)},
     {"dba 3/2 deny 0/1", "ops 1/2 deny 0/1"}, 3, 4, {"olga"}},
    {"hooks count but are not listed", "bob", {"dba", "ops"}, {approve("hook:pager", 1min)},
     {"dba 1/2 deny 0/1", "ops 1/2 deny 0/1"}, 2, 4, {"alice", "ivan", "dave", "olga"}},
    {"oncall denials", "gina", {"ops"}, {deny("olga", 1min)},
     {"ops 0/1 deny 1/2"}, 0, 1, {"dave"}},
    {"approved: nobody can still review", "bob", {"dba"},
     {approve("alice", 1min), approve("ivan", 2min)},
     {"dba 2/2 deny 0/1"}, 2, 2, {}},
    {"denied: nobody can still review", "bob", {"dba"}, {deny("ivan", 1min)},
     {"dba 0/2 deny 1/1"}, 0, 2, {}},
    {"cancelled: nobody can still review", "bob", {"dba"}, {cancel("bob", 1min)},
     {"dba 0/2 deny 0/1"}, 0, 2, {}},
};
}  // namespace

TEST_CASE("progress table", "[rules]") {
  const ProgressRow row = GENERATE(from_range(progress_rows));
  CAPTURE(row.what);
  const auto request = run_steps(planned(row.requester, row.roles), row.steps);

  const auto p = progress(fixture, request);
  std::vector<std::string> per_role;
  for (const auto& role : p.roles) per_role.push_back(describe(role));
  CHECK(per_role == row.per_role);
  CHECK(p.approvals == row.approvals);
  CHECK(p.approvals_needed == row.approvals_needed);
  CHECK(p.can_still_review == row.can_still_review);
}

// ---------------------------------------------------------------------------------------------
// expire_if_due

namespace {
struct ExpireRow {
  const char* what;
  std::string requester;
  std::vector<std::string> roles;
  std::vector<Step> steps;  // all must succeed
  milliseconds at;          // when expire_if_due is asked
  bool expires;
  std::string resolution;   // when it expires
};

const std::vector<ExpireRow> expire_rows = {
    {"exactly at expires", "bob", {"dba"}, {}, 1h, true, "expired after 1h without a decision"},
    {"1 ms before expires", "bob", {"dba"}, {}, 1h - 1ms, false, ""},
    {"long after", "bob", {"dba"}, {}, 48h, true, "expired after 1h without a decision"},
    {"at creation", "bob", {"dba"}, {}, 0ms, false, ""},
    {"shorter ttl", "gina", {"ops"}, {}, 30min, true, "expired after 30m without a decision"},
    {"shorter ttl, 1 ms before", "gina", {"ops"}, {}, 30min - 1ms, false, ""},
    {"with a review, reviews kept", "bob", {"dba"}, {approve("alice", 1min)}, 1h, true,
     "expired after 1h without a decision"},
    {"approved never expires", "bob", {"dba"}, {approve("alice", 1min), approve("ivan", 2min)},
     2h, false, ""},
    {"denied never expires", "bob", {"dba"}, {deny("ivan", 1min)}, 2h, false, ""},
    {"cancelled never expires", "bob", {"dba"}, {cancel("bob", 1min)}, 2h, false, ""},
};
}  // namespace

TEST_CASE("expire_if_due table", "[rules]") {
  const ExpireRow row = GENERATE(from_range(expire_rows));
  CAPTURE(row.what);
  const auto request = run_steps(planned(row.requester, row.roles), row.steps);

  const auto expired = expire_if_due(request, t0 + row.at);
  REQUIRE(expired.has_value() == row.expires);
  if (!row.expires) return;
  CHECK(expired->state == RequestState::expired);
  CHECK(expired->resolved == t0 + row.at);
  CHECK(expired->resolution_reason == row.resolution);
  CHECK(expired->version == request.version + 1);
  CHECK(expired->reviews.size() == request.reviews.size());
  CHECK_FALSE(expired->grant_expires.has_value());
  // And once expired, nothing changes it.
  auto review = apply_review(fixture, *expired, "dave", Decision::approve, "", t0 + row.at);
  REQUIRE(std::holds_alternative<RuleError>(review));
  CHECK(std::get<RuleError>(review).message == "request req-1 is already EXPIRED");
  CHECK(std::get<RuleError>(review).kind == Kind::not_pending);
  auto cancelled = cancel_request(*expired, row.requester, t0 + row.at);
  REQUIRE(std::holds_alternative<RuleError>(cancelled));
  CHECK(std::get<RuleError>(cancelled).message == "request req-1 is already EXPIRED");
}

// ---------------------------------------------------------------------------------------------
// The config may change while a request is pending: reviews are judged against the config as it
// is now, and a change can only make the request harder to pass.

namespace {
struct ReloadRow {
  const char* what;
  std::vector<Step> before;  // against the fixture, before the change
  void (*change)(cfg::Config&);
  std::vector<Step> steps;   // reviews against the changed config; the last one is checked
  RequestState state;
  std::string error;
  int approvals, approvals_needed;
  std::string resolution;
};

cfg::Role& role_of(cfg::Config& c, const std::string& name) {
  for (auto& r : c.roles) {
    if (r.name == name) return r;
  }
  throw std::logic_error("no role " + name);
}
cfg::User& user_of(cfg::Config& c, const std::string& name) {
  for (auto& u : c.users) {
    if (u.name == name) return u;
  }
  throw std::logic_error("no user " + name);
}

const std::vector<ReloadRow> reload_rows = {
    {"unchanged", {}, [](cfg::Config&) {}, {approve("alice", 1min), approve("ivan", 2min)},
     approved, "", 2, 2, "approved by alice, ivan"},
    {"requester lost the requesting role: no approvals", {},
     [](cfg::Config& c) { user_of(c, "bob").roles = {}; }, {approve("alice", 1min)}, pending,
     "bob may no longer request role 'dba'; the request can only be denied or cancelled", 0, 1,
     ""},
    {"requester lost the requesting role: denial still ends it", {},
     [](cfg::Config& c) { user_of(c, "bob").roles = {}; }, {deny("alice", 1min)}, denied, "", 0,
     1, "denied by alice"},
    {"requester removed from the config", {},
     [](cfg::Config& c) { std::erase_if(c.users, [](const auto& u) { return u.name == "bob"; }); },
     {approve("alice", 1min)}, pending,
     "bob may no longer request role 'dba'; the request can only be denied or cancelled", 0, 1,
     ""},
    {"approve count raised to 3", {},
     [](cfg::Config& c) { role_of(c, "dev").request->approve = 3; },
     {approve("alice", 1min), approve("ivan", 2min)}, pending, "", 2, 3, ""},
    {"a reviewer lost the reviewer role: their approval no longer counts",
     {approve("alice", 1min)},
     [](cfg::Config& c) { user_of(c, "alice").roles = {"dev"}; },
     {approve("ivan", 2min)}, pending, "", 1, 2, ""},
    {"a reviewer lost the reviewer role: approved by the others only",
     {approve("alice", 1min)},
     [](cfg::Config& c) { user_of(c, "alice").roles = {"dev"}; },
     {approve("ivan", 2min), approve("dave", 3min)}, approved, "", 2, 2,
     "approved by ivan, dave"},
};
}  // namespace

TEST_CASE("config changes while pending table", "[rules]") {
  const ReloadRow row = GENERATE(from_range(reload_rows));
  CAPTURE(row.what);
  AccessRequest request = run_steps(planned("bob", {"dba"}), row.before);
  cfg::Config changed = fixture;
  row.change(changed);

  for (std::size_t i = 0; i < row.steps.size(); ++i) {
    const Step& step = row.steps[i];
    const auto decision = step.act == Act::approve ? Decision::approve : Decision::deny;
    auto result = apply_review(changed, request, step.actor, decision, step.reason, t0 + step.at);
    const bool is_last = i + 1 == row.steps.size();
    if (is_last && !row.error.empty()) {
      REQUIRE(std::holds_alternative<RuleError>(result));
      CHECK(std::get<RuleError>(result).message == row.error);
      CHECK(std::get<RuleError>(result).kind == Kind::not_allowed);
      break;
    }
    if (auto* error = std::get_if<RuleError>(&result)) FAIL("step failed: " << error->message);
    request = std::get<AccessRequest>(std::move(result));
  }
  CHECK(request.state == row.state);
  CHECK(request.resolution_reason == row.resolution);
  const auto p = progress(changed, request);
  CHECK(p.approvals == row.approvals);
  CHECK(p.approvals_needed == row.approvals_needed);
}
