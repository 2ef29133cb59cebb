#include "approvals/hook_review.hpp"

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

}  // namespace holdgate::approvals
