#include "approvals/hook_review.hpp"

#include <algorithm>

#include "approvals/request_rules_internal.hpp"

namespace holdgate::approvals {

std::string hook_reviewer(std::string_view hook_name) { return "hook:" + std::string(hook_name); }

std::variant<AccessRequest, RuleError> apply_hook_review(const config::Config& config,
                                                         const AccessRequest& request,
                                                         std::string_view hook_name,
                                                         Decision decision, std::string reason,
                                                         TimePoint now) {
  const std::string reviewer = hook_reviewer(hook_name);
  auto next = apply_review(config, request, reviewer, decision, reason, now);
  auto* reviewed = std::get_if<AccessRequest>(&next);
  if (reviewed == nullptr || decision != Decision::deny ||
      reviewed->state != RequestState::pending) {
    return next;
  }
  reviewed->state = RequestState::denied;
  reviewed->resolved = now;
  reviewed->resolution_reason = detail::is_blank(reason) ? "denied by " + reviewer : reason;
  return next;
}

int hooks_answered(const config::Config& config, const AccessRequest& request) {
  // Counted against the configured hooks: a hook removed from the config no longer answers for
  // anything, and one added later must answer too (a config change never eases a request).
  return static_cast<int>(std::count_if(
      config.approvals.hooks.begin(), config.approvals.hooks.end(), [&](const auto& hook) {
        return std::find(request.hooks_answered.begin(), request.hooks_answered.end(),
                         hook.name) != request.hooks_answered.end();
      }));
}

bool approvals_held(const config::Config& config, const AccessRequest& request) {
  if (config.approvals.hooks.empty() || request.state != RequestState::pending) return false;
  if (hooks_answered(config, request) == static_cast<int>(config.approvals.hooks.size())) {
    return false;
  }
  const auto thresholds = detail::current_thresholds(config, request);
  return std::any_of(thresholds.begin(), thresholds.end(),
                     [](const auto& t) { return t && t->hooks_required; });
}

bool hooks_settled(const config::Config& config, const AccessRequest& request) {
  return request.state != RequestState::pending ||
         hooks_answered(config, request) == static_cast<int>(config.approvals.hooks.size());
}

std::chrono::milliseconds hook_wait_limit(const config::Config& config) {
  std::chrono::milliseconds longest{0};
  for (const auto& hook : config.approvals.hooks) longest = std::max<std::chrono::milliseconds>(longest, hook.timeout);
  if (longest.count() == 0) return longest;
  return longest + std::chrono::milliseconds(500);
}

std::variant<AccessRequest, RuleError> apply_hook_answer(const config::Config& config,
                                                         const AccessRequest& request,
                                                         std::string_view hook_name,
                                                         HookDecision decision,
                                                         std::string reason, TimePoint now) {
  if (auto error = detail::refuse_unless_pending(request, now)) return *error;
  const std::string name(hook_name);
  if (std::find(request.hooks_answered.begin(), request.hooks_answered.end(), name) !=
      request.hooks_answered.end()) {
    return RuleError{RuleError::Kind::not_allowed,
                     hook_reviewer(hook_name) + " has already answered request " + request.id};
  }
  AccessRequest answered = request;
  answered.hooks_answered.push_back(name);
  if (decision != HookDecision::none) {
    // Recorded first, so that the last hook's approval counts with the approvals it releases.
    return apply_hook_review(config, answered, hook_name,
                             decision == HookDecision::approve ? Decision::approve : Decision::deny,
                             std::move(reason), now);
  }
  ++answered.version;
  return detail::settle(config, std::move(answered), detail::current_thresholds(config, answered),
                        Decision::approve, "", now);
}

std::string hook_denial(const AccessRequest& request) {
  if (request.state != RequestState::denied || request.reviews.empty()) return {};
  const auto& last = request.reviews.back();
  if (last.decision != Decision::deny || !detail::is_hook(last.reviewer)) return {};
  const std::string by = "denied by " + last.reviewer;
  return detail::is_blank(last.reason) ? by : by + ": " + last.reason;
}

std::string held_approval_sentence(const Progress& progress) {
  return "approval recorded; it counts once the approval hooks have answered (" +
         std::to_string(progress.hooks_answered) + " of " +
         std::to_string(progress.hooks_configured) + " so far)";
}

}  // namespace holdgate::approvals
