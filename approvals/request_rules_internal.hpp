// Helpers shared by the request rules (request_rules.cpp) and the review tally
// (request_rules_review.cpp). Not part of the approvals interface.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "approvals/request_rules.hpp"

namespace holdgate::approvals::detail {

// "8h", "90m", "45s": the largest unit that divides exactly, in the config's own notation, so a
// number from an error message can be typed back as --max-duration.
std::string format_duration(std::chrono::seconds duration);

// "hook:NAME" reviewers are program hooks, entitled to review every role.
bool is_hook(std::string_view reviewer);

// May `reviewer` review requests for `role`? Hooks always; a configured user when one of their
// roles lists `role` under review.roles. Says nothing about who made the request.
bool entitled(const config::Config& config, std::string_view reviewer, std::string_view role);

// True when `text` is empty or only whitespace: such a reason explains nothing.
bool is_blank(std::string_view text);

// A reason (request or review) that may be stored: at most max_reason_bytes and no NUL byte.
std::optional<RuleError> check_reason(std::string_view reason);

// "request ID is already APPROVED" when the request has left PENDING, "request ID has expired"
// when it is still stored PENDING but its time has come; nullopt when it may still change.
std::optional<RuleError> refuse_unless_pending(const AccessRequest& request, TimePoint now);

// The threshold of each requested role (same order as request.roles), computed from the
// requester's roles in `config` as it is now. nullopt for a role the requester may no longer
// request (the config changed while the request was pending, or the requester is gone).
std::vector<std::optional<RoleThreshold>> current_thresholds(const config::Config& config,
                                                             const AccessRequest& request);

// The decision that `next` (a review or a hook's answer already recorded, version bumped) has
// come to: DENIED when a role reached its denials, APPROVED when every role has its approvals
// and approvals are not held for hooks, else unchanged. resolution_reason is `reason`, or
// "approved by alice, ivan" / "denied by ivan" when blank (`decision` says which, when both
// could be meant).
AccessRequest settle(const config::Config& config, AccessRequest next,
                     const std::vector<std::optional<RoleThreshold>>& thresholds,
                     Decision decision, std::string reason, TimePoint now);
// Whether `reviewer` has reviewed `request` already.
bool has_reviewed(const AccessRequest& request, std::string_view reviewer);

// Approvals and denials per requested role from reviewers entitled to it (same order).
std::vector<RoleProgress> tally(const config::Config& config, const AccessRequest& request,
                                const std::vector<std::optional<RoleThreshold>>& thresholds);

// apply_review for a break-glass request AWAITING ratification (request_rules_break_glass.cpp).
std::variant<AccessRequest, RuleError> apply_ratification(const config::Config& config,
                                                          const AccessRequest& request,
                                                          std::string_view reviewer,
                                                          Decision decision, std::string reason,
                                                          TimePoint now);

// plan_request's break-glass half: `planned` is the checked PENDING request; this checks the
// break-glass terms and returns it APPROVED and AWAITING ratification.
std::variant<AccessRequest, RuleError> plan_break_glass(
    const config::Target& target, const NewRequest& request,
    const std::vector<const RoleThreshold*>& thresholds, AccessRequest planned, TimePoint now);

}  // namespace holdgate::approvals::detail
