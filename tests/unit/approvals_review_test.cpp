// Access-request rules, part 2: how reviews add up, cancelling, progress, expiry, and config
// changes while a request is pending. Table-driven, one row per scenario.
#include "approvals_rules_fixture.hpp"

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
    // The grant's clock starts at approval, not at creation (Teleport #50011): approved 50 minutes
    // after it was asked for, it still lasts the full 8 hours from then.
    {"grant lasts max_duration from the approval", "bob", {"dba"}, {},
     {approve("alice", 40min), approve("ivan", 50min)},
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
