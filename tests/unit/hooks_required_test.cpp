// Hooks that must answer first (issue 12, section 5): with `request: {hooks: required}` a
// person's approval is stored but does not decide until every approval hook has answered (a
// failed hook answers none); the last answer lets the approvals count. Pure rules, one row per
// scenario; then the config knob and the stored answers.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "approvals/hook_review.hpp"
#include "approvals/render.hpp"
#include "config_text.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
using namespace std::chrono_literals;

namespace {

// bob (dev) may request dba with one approval, hooks required; carol (ops-dev) may request dba
// with the hooks beside (the default). ivan reviews dba. Two hooks: jira and oncall.
const char* kPolicy = R"(
state_dir: /s
users:
  - name: bob
    roles: [dev]
  - name: carol
    roles: [ops-dev]
  - name: ivan
    roles: [dba-reviewer]
roles:
  - name: dev
    request: {roles: [dba], approve: 1, hooks: required}
  - name: ops-dev
    request: {roles: [dba], approve: 1}
  - name: dba
    allow:
      - logins: [root]
        targets: "*"
  - name: dba-reviewer
    review: {roles: [dba]}
approvals:
  hooks:
    - name: jira
      exec: /usr/local/bin/jira
    - name: oncall
      exec: /usr/local/bin/oncall
      timeout: 9s
)";

// One step: a person's review ("ivan") or a hook's answer ("hook:jira").
struct Step {
  std::string who;
  ap::HookDecision decision;  // none only for hooks
  std::string reason{};
};

struct Row {
  const char* what;
  std::string requester;
  std::vector<Step> steps;
  ap::RequestState state;
  std::string resolution;  // after all steps
  bool held;               // approvals_held() after all steps
  int answered;            // hooks_answered() after all steps
};

const auto approve = ap::HookDecision::approve;
const auto deny = ap::HookDecision::deny;
const auto none = ap::HookDecision::none;
const auto pending = ap::RequestState::pending;
const auto approved = ap::RequestState::approved;
const auto denied = ap::RequestState::denied;

const std::vector<Row> rows = {
    {"required: a person's early approval is held", "bob", {{"ivan", approve}},
     pending, "", true, 0},
    {"required: still held after one of two hooks", "bob",
     {{"ivan", approve}, {"hook:jira", none}}, pending, "", true, 1},
    {"required: the last hook's none lets the approval count", "bob",
     {{"ivan", approve}, {"hook:jira", none}, {"hook:oncall", none}},
     approved, "approved by ivan", false, 2},
    {"required: a slow deny beats the early approval", "bob",
     {{"ivan", approve}, {"hook:jira", none},
      {"hook:oncall", deny, "provide an active JIRA ticket"}},
     denied, "provide an active JIRA ticket", false, 2},
    {"required: a hook's approve counts, once the other has answered too", "bob",
     {{"hook:jira", approve, "ticket ok"}}, pending, "", true, 1},
    {"required: two hooks answered, then a person decides at once", "bob",
     {{"hook:jira", none}, {"hook:oncall", none}, {"ivan", approve}},
     approved, "approved by ivan", false, 2},
    {"required: the last hook's approve decides with it", "bob",
     {{"hook:jira", none}, {"hook:oncall", approve, "on call"}}, approved, "on call", false, 2},
    {"required: a person's deny is never held", "bob", {{"ivan", deny, "freeze"}},
     denied, "freeze", false, 0},
    {"beside: a person's approval decides at once, as before", "carol", {{"ivan", approve}},
     approved, "approved by ivan", false, 0},
    {"beside: a hook's none is recorded and changes nothing else", "carol",
     {{"hook:jira", none}}, pending, "", false, 1},
};

ap::AccessRequest new_request(const cfg::Config& config, const std::string& requester,
                              ap::TimePoint now) {
  ap::NewRequest wanted;
  wanted.roles = {"dba"};
  wanted.reason = "ticket #1";
  auto planned = ap::plan_request(config, *config.find_user(requester), wanted, now,
                                  "00000000-0000-4000-8000-000000000001");
  REQUIRE(std::holds_alternative<ap::AccessRequest>(planned));
  return std::get<ap::AccessRequest>(planned);
}

std::variant<ap::AccessRequest, ap::RuleError> apply(const cfg::Config& config,
                                                     const ap::AccessRequest& request,
                                                     const Step& step, ap::TimePoint at) {
  if (step.who.starts_with("hook:")) {
    return ap::apply_hook_answer(config, request, step.who.substr(5), step.decision, step.reason,
                                 at);
  }
  const auto decision = step.decision == approve ? ap::Decision::approve : ap::Decision::deny;
  return ap::apply_review(config, request, step.who, decision, step.reason, at);
}

}  // namespace

TEST_CASE("hooks: required holds approvals until every hook has answered", "[hooks]") {
  const auto config = parse_ok(kPolicy);
  const ap::TimePoint start = ap::TimePoint{} + 497'000h;
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      auto request = new_request(config, row.requester, start);
      auto at = start;
      for (const auto& step : row.steps) {
        at += 1s;
        auto next = apply(config, request, step, at);
        REQUIRE(std::holds_alternative<ap::AccessRequest>(next));
        request = std::get<ap::AccessRequest>(std::move(next));
      }
      CHECK(request.state == row.state);
      CHECK(request.resolution_reason == row.resolution);
      CHECK(ap::approvals_held(config, request) == row.held);
      CHECK(ap::hooks_answered(config, request) == row.answered);
      CHECK(request.version == 1 + static_cast<long>(row.steps.size()));
      if (row.state == approved) CHECK(request.grant_expires == at + 1h);
    }
  }
}

TEST_CASE("hook answers: one per hook, only while pending; settled when all have answered",
          "[hooks]") {
  const auto config = parse_ok(kPolicy);
  const ap::TimePoint now = ap::TimePoint{} + 497'000h;
  auto request = new_request(config, "carol", now);
  CHECK_FALSE(ap::hooks_settled(config, request));
  request = std::get<ap::AccessRequest>(ap::apply_hook_answer(config, request, "jira", none, "", now));
  auto twice = ap::apply_hook_answer(config, request, "jira", approve, "", now);
  REQUIRE(std::holds_alternative<ap::RuleError>(twice));
  CHECK(std::get<ap::RuleError>(twice).message ==
        "hook:jira has already answered request 00000000-0000-4000-8000-000000000001");
  CHECK_FALSE(ap::hooks_settled(config, request));
  request = std::get<ap::AccessRequest>(ap::apply_hook_answer(config, request, "oncall", none, "", now));
  CHECK(ap::hooks_settled(config, request));

  auto decided = new_request(config, "carol", now);
  decided = std::get<ap::AccessRequest>(ap::apply_hook_answer(config, decided, "jira", deny, "", now));
  CHECK(ap::hooks_settled(config, decided));  // left PENDING: nothing more to wait for
  CHECK(ap::hook_denial(decided) == "denied by hook:jira");
  auto late = ap::apply_hook_answer(config, decided, "oncall", none, "", now);
  REQUIRE(std::holds_alternative<ap::RuleError>(late));
  CHECK(std::get<ap::RuleError>(late).kind == ap::RuleError::Kind::not_pending);

  // The longest hook timeout (9s) and a margin for starting it and storing its answer.
  CHECK(ap::hook_wait_limit(config) == 9500ms);
  CHECK(ap::hook_wait_limit(parse_ok("state_dir: /s\n")) == 0ms);
}

TEST_CASE("hook_denial names the hook and its reason", "[hooks]") {
  const auto config = parse_ok(kPolicy);
  const ap::TimePoint now = ap::TimePoint{} + 497'000h;
  auto request = new_request(config, "bob", now);
  auto denied_by_hook = std::get<ap::AccessRequest>(
      ap::apply_hook_answer(config, request, "jira", deny, "provide an active JIRA ticket", now));
  CHECK(ap::hook_denial(denied_by_hook) == "denied by hook:jira: provide an active JIRA ticket");
  auto denied_by_person = std::get<ap::AccessRequest>(
      ap::apply_review(config, request, "ivan", ap::Decision::deny, "no", now));
  CHECK(ap::hook_denial(denied_by_person).empty());
}

TEST_CASE("the reviewer whose approval is held is told in one sentence", "[hooks]") {
  const auto config = parse_ok(kPolicy);
  const ap::TimePoint now = ap::TimePoint{} + 497'000h;
  auto request = new_request(config, "bob", now);
  request = std::get<ap::AccessRequest>(ap::apply_hook_answer(config, request, "jira", none, "", now));
  request = std::get<ap::AccessRequest>(
      ap::apply_review(config, request, "ivan", ap::Decision::approve, "", now));
  CHECK(ap::render_reviewed(request, ap::progress(config, request), ap::Decision::approve) ==
        "Request 00000000-0000-4000-8000-000000000001: approval recorded; it counts once the "
        "approval hooks have answered (1 of 2 so far).\n");
}

TEST_CASE("config: request hooks is 'required' or 'beside'", "[hooks][config]") {
  const auto config = parse_ok(kPolicy);
  CHECK(config.find_role("dev")->request->hooks == cfg::RequestPolicy::Hooks::required);
  CHECK(config.find_role("ops-dev")->request->hooks == cfg::RequestPolicy::Hooks::beside);
  std::string bad = kPolicy;
  bad.replace(bad.find("hooks: required"), 15, "hooks: sometimes");
  CHECK(errors_of(bad) ==
        std::vector<std::string>{"c.yaml:12:48: roles[0].request.hooks: must be 'required' or 'beside', not "
                                 "'sometimes'"});
}
