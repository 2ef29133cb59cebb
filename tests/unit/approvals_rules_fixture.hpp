// The shared setup of the access-request rule tables: a small config built in code, a fixed
// clock, and helpers to plan a request and play reviews against it.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
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

inline cfg::LabelSelector sel(std::map<std::string, std::vector<std::string>> labels) {
  return cfg::LabelSelector{false, std::move(labels)};
}

// targets: db-1 {env: prod, kind: db}, web-1 {env: staging}
// users:   bob [dev], alice [dev, dba-reviewer], ivan [dba-reviewer], carol [dev, dba],
//          dave [dba-reviewer, ops-reviewer], erin [], olga [ops-reviewer],
//          frank [dev, oncall], gina [oncall], hank [narrow]
// roles:   dev     allow ubuntu on {env: staging};
//                  request {roles: [dba, ops], reviewers: [alice, ivan], approve: 2, deny: 1,
//                           ttl: 1h}
//          dba     allow root on {kind: db}; max_duration 8h
//          ops     allow deploy on "*"; max_duration 2h
//          dba-reviewer  review {roles: [dba]}
//          ops-reviewer  review {roles: [ops]}
//          oncall  request {roles: [ops], reviewers: [dave, sec-team], approve: 1, deny: 2,
//                           ttl: 30m, reason: optional}   (sec-team is not a configured user)
//          narrow  request {roles: [dba], reviewers: [alice], scope: resource}
inline cfg::Config make_fixture() {
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
      {"hank", {}, {"narrow"}, {}},
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
  cfg::Role narrow{"narrow", {}, cfg::RequestPolicy{{"dba"}, {"alice"}}, {}, 1h};
  narrow.request->scope = cfg::RequestPolicy::Scope::resource;
  c.roles = {dev, dba, ops, dba_reviewer, ops_reviewer, oncall, narrow};
  return c;
}

const cfg::Config fixture = make_fixture();

// The fixture, with erin holding `incident` (admin: true) and nothing else.
inline cfg::Config with_admin() {
  cfg::Config c = make_fixture();
  cfg::Role incident{"incident", {}, {}, {}, std::chrono::hours(1)};
  incident.admin = true;
  c.roles.push_back(incident);
  for (auto& u : c.users) {
    if (u.name == "erin") u.roles = {"incident"};
  }
  return c;
}
const cfg::Config admins = with_admin();
const TimePoint t0 = TimePoint{} + std::chrono::hours(480'000);  // fixed; no clock reads
const std::string kId = "req-1";

inline const cfg::User& user(const std::string& name) {
  if (const auto* found = fixture.find_user(name)) return *found;
  FAIL("fixture has no user " << name);
  throw;  // unreachable
}

// A request planned at t0 that must succeed (the scenario tables start from one).
inline AccessRequest planned(const std::string& requester, std::vector<std::string> roles,
                      std::optional<seconds> max_duration = std::nullopt) {
  NewRequest request;
  request.roles = std::move(roles);
  request.max_duration = max_duration;
  request.reason = "incident 42";
  auto result = plan_request(fixture, user(requester), request, t0, kId);
  if (auto* error = std::get_if<RuleError>(&result)) FAIL("plan_request: " << error->message);
  return std::get<AccessRequest>(result);
}

inline std::vector<std::string> names(const std::vector<RoleThreshold>& thresholds) {
  std::vector<std::string> result;
  for (const auto& t : thresholds) result.push_back(t.role);
  return result;
}

// "dba 1/2 deny 0/1": one role's progress, comparable in a table.
inline std::string describe(const RoleProgress& p) {
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
inline Step approve(std::string who, milliseconds at, std::string reason = "") {
  return {std::move(who), Act::approve, at, std::move(reason)};
}
inline Step deny(std::string who, milliseconds at, std::string reason = "") {
  return {std::move(who), Act::deny, at, std::move(reason)};
}
inline Step cancel(std::string who, milliseconds at) { return {std::move(who), Act::cancel, at}; }

inline std::variant<AccessRequest, RuleError> run(const AccessRequest& request, const Step& step) {
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
inline AccessRequest run_steps(AccessRequest request, const std::vector<Step>& steps, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    auto result = run(request, steps[i]);
    if (auto* error = std::get_if<RuleError>(&result)) {
      FAIL("step " << i << " (" << steps[i].actor << ") failed: " << error->message);
    }
    request = std::get<AccessRequest>(std::move(result));
  }
  return request;
}
inline AccessRequest run_steps(AccessRequest request, const std::vector<Step>& steps) {
  return run_steps(std::move(request), steps, steps.size());
}

const std::string long_reason(holdgate::approvals::max_reason_bytes + 1, 'x');
const std::string max_reason(holdgate::approvals::max_reason_bytes, 'x');

}  // namespace
