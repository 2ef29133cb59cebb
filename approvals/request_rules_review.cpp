// Reviewing: who may review a request, and how the reviews add up to a decision. Entitlement
// and thresholds are read from the config as it is now, not as it was when the request or a
// review was made: a reviewer who lost their reviewer role no longer counts, so a config change
// can only make a pending request harder to pass, never easier.
#include <algorithm>

#include "approvals/hook_review.hpp"
#include "approvals/request_rules.hpp"
#include "approvals/request_rules_internal.hpp"
#include "approvals/scope_words.hpp"

namespace holdgate::approvals {
namespace {

// "dba", "dba or ops", "dba, ops or web".
std::string join_or(const std::vector<std::string>& items) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? " or " : ", ";
    text += items[i];
  }
  return text;
}

// The reviewers whose `decision` counts toward some role, in the order they reviewed:
// "approved by alice, ivan" when the deciding reviewer gave no reason.
std::string decided_by(const config::Config& config, const AccessRequest& request,
                       Decision decision) {
  std::string names;
  for (const auto& review : request.reviews) {
    if (review.decision != decision) continue;
    const bool counts = std::any_of(request.roles.begin(), request.roles.end(),
                                    [&](const std::string& role) {
                                      return detail::entitled(config, review.reviewer, role);
                                    });
    if (counts) names += (names.empty() ? "" : ", ") + review.reviewer;
  }
  return (decision == Decision::approve ? "approved by " : "denied by ") + names;
}

// A grant lasts the shortest max_duration among its roles (one grant must not outlive any of
// its roles' limits), or the requested duration when that is shorter.
std::chrono::seconds grant_duration(const config::Config& config, const AccessRequest& request) {
  std::optional<std::chrono::seconds> shortest = request.max_duration;
  for (const auto& name : request.roles) {
    const auto limit = config.find_role(name)->max_duration;
    if (!shortest || limit < *shortest) shortest = limit;
  }
  return *shortest;
}

}  // namespace

namespace detail {

bool has_reviewed(const AccessRequest& request, std::string_view reviewer) {
  return std::any_of(request.reviews.begin(), request.reviews.end(),
                     [&](const storage::Review& r) { return r.reviewer == reviewer; });
}

// Approvals and denials per requested role, each counted only from reviewers entitled to that
// role: dave, who reviews dba and ops, adds to both; alice, who reviews dba only, adds to dba.
// A role the requester may no longer request keeps the default thresholds (1 and 1) for
// display; apply_review refuses approvals for it, so it can only be denied.
std::vector<RoleProgress> tally(const config::Config& config, const AccessRequest& request,
                                const std::vector<std::optional<RoleThreshold>>& thresholds) {
  std::vector<RoleProgress> roles;
  for (std::size_t i = 0; i < request.roles.size(); ++i) {
    RoleThreshold fallback;
    fallback.role = request.roles[i];
    const RoleThreshold& threshold = thresholds[i] ? *thresholds[i] : fallback;
    RoleProgress progress{request.roles[i], 0, threshold.approve, 0, threshold.deny};
    for (const auto& review : request.reviews) {
      if (!detail::entitled(config, review.reviewer, progress.role)) continue;
      ++(review.decision == Decision::approve ? progress.approvals : progress.denials);
    }
    roles.push_back(progress);
  }
  return roles;
}

bool is_hook(std::string_view reviewer) {
  return reviewer.size() > 5 && reviewer.starts_with("hook:");
}

bool entitled(const config::Config& config, std::string_view reviewer, std::string_view role) {
  if (is_hook(reviewer)) return true;
  const config::User* user = config.find_user(reviewer);
  if (user == nullptr) return false;
  return std::any_of(user->roles.begin(), user->roles.end(), [&](const std::string& held_name) {
    const config::Role* held = config.find_role(held_name);
    return held != nullptr && held->review &&
           std::find(held->review->roles.begin(), held->review->roles.end(), role) !=
               held->review->roles.end();
  });
}

}  // namespace detail

bool may_review(const config::Config& config, std::string_view reviewer,
                const AccessRequest& request) {
  if (reviewer == request.user) return false;  // whatever roles they hold
  return std::any_of(request.roles.begin(), request.roles.end(), [&](const std::string& role) {
    return detail::entitled(config, reviewer, role);
  });
}

std::variant<AccessRequest, RuleError> apply_review(const config::Config& config,
                                                    const AccessRequest& request,
                                                    std::string_view reviewer, Decision decision,
                                                    std::string reason, TimePoint now) {
  using Kind = RuleError::Kind;
  if (request.ratification == storage::Ratification::awaiting) {
    return detail::apply_ratification(config, request, reviewer, decision, std::move(reason), now);
  }
  if (auto error = detail::refuse_unless_pending(request, now)) return *error;
  if (reviewer == request.user) {
    return RuleError{Kind::not_allowed, "you cannot review your own request"};
  }
  if (!may_review(config, reviewer, request)) {
    return RuleError{Kind::not_allowed, "you cannot review requests for " + join_or(request.roles)};
  }
  if (detail::has_reviewed(request, reviewer)) {
    return RuleError{Kind::not_allowed, "you have already reviewed request " + request.id};
  }
  if (auto error = detail::check_reason(reason)) return *error;

  const auto thresholds = detail::current_thresholds(config, request);
  if (decision == Decision::approve) {
    for (std::size_t i = 0; i < request.roles.size(); ++i) {
      if (thresholds[i]) continue;
      return RuleError{Kind::not_allowed, request.user + " may no longer request role '" +
                                              request.roles[i] +
                                              "'; the request can only be denied or cancelled"};
    }
  }

  AccessRequest next = request;
  next.reviews.push_back({std::string(reviewer), decision, reason, now});
  ++next.version;
  return detail::settle(config, std::move(next), thresholds, decision, std::move(reason), now);
}

namespace detail {

AccessRequest settle(const config::Config& config, AccessRequest next,
                     const std::vector<std::optional<RoleThreshold>>& thresholds,
                     Decision decision, std::string reason, TimePoint now) {
  const auto roles = tally(config, next, thresholds);
  // One role reaching its deny count ends the whole request; approval needs every role, and,
  // with `hooks: required`, every hook's answer first. Denials are never held: holding them
  // could only keep a request alive that people already refused.
  const bool denied = std::any_of(roles.begin(), roles.end(), [](const RoleProgress& p) {
    return p.denials >= p.denials_needed;
  });
  // A role the requester may no longer request (no threshold) is never approved.
  const bool approved =
      !denied && !approvals_held(config, next) &&
      std::all_of(thresholds.begin(), thresholds.end(), [](const auto& t) { return t.has_value(); }) &&
      std::all_of(roles.begin(), roles.end(), [](const RoleProgress& p) {
        return p.approvals >= p.approvals_needed;
      });
  if (!denied && !approved) return next;

  decision = denied ? Decision::deny : Decision::approve;
  next.state = denied ? RequestState::denied : RequestState::approved;
  next.resolved = now;
  next.resolution_reason =
      is_blank(reason) ? decided_by(config, next, decision) : std::move(reason);
  if (approved) next.grant_expires = now + grant_duration(config, next);
  return next;
}

}  // namespace detail

Progress progress(const config::Config& config, const AccessRequest& request) {
  Progress result;
  result.scope = scope_words(config, request);
  result.roles = detail::tally(config, request, detail::current_thresholds(config, request));
  for (const auto& role : result.roles) {
    // Surplus approvals for one role do not make up for another's missing ones.
    result.approvals += std::min(role.approvals, role.approvals_needed);
    result.approvals_needed += role.approvals_needed;
  }
  result.hooks_configured = static_cast<int>(config.approvals.hooks.size());
  result.hooks_answered = hooks_answered(config, request);
  result.approvals_held = approvals_held(config, request);
  // A break-glass request awaiting ratification is still waiting on its reviewers.
  if (request.state != RequestState::pending &&
      request.ratification != storage::Ratification::awaiting) {
    return result;
  }
  for (const auto& user : config.users) {
    if (may_review(config, user.name, request) && !detail::has_reviewed(request, user.name)) {
      result.can_still_review.push_back(user.name);
    }
  }
  return result;
}

}  // namespace holdgate::approvals
