// Break-glass (issue 12, section 4): access at once, without reviewers, that the roles'
// reviewers must ratify afterwards, or the person is locked. Pure: `now` is passed in.
#include <algorithm>

#include "approvals/request_rules.hpp"
#include "approvals/request_rules_internal.hpp"

namespace holdgate::approvals {
namespace {

using storage::Ratification;

// A rejected or unratified break-glass grant that still holds ends now, as a revocation does;
// one already over stays as it ended.
void end_grant_if_live(AccessRequest& request, TimePoint now) {
  if (request.state == RequestState::approved && request.grant_expires &&
      now < *request.grant_expires) {
    request.state = RequestState::revoked;
    request.grant_expires = now;
  }
}

}  // namespace

namespace detail {

std::variant<AccessRequest, RuleError> plan_break_glass(
    const config::Target& target, const NewRequest& request,
    const std::vector<const RoleThreshold*>& thresholds, AccessRequest planned, TimePoint now) {
  // Access without reviewers must at least say why, to the reviewers who ratify it.
  if (is_blank(request.reason)) {
    return RuleError{RuleError::Kind::invalid, "break-glass access needs a reason"};
  }
  // Typing the name proves the person means this target, not the one their fingers found.
  if (request.confirm != target.name) {
    return RuleError{RuleError::Kind::invalid,
                     "the confirmation does not match the target name '" + target.name +
                         "'; nothing was done"};
  }
  auto duration = thresholds.front()->break_glass_duration;
  auto window = thresholds.front()->ratify_within;
  for (const auto* threshold : thresholds) {
    duration = std::min(duration, threshold->break_glass_duration);
    window = std::min(window, threshold->ratify_within);
  }
  if (request.max_duration) duration = std::min(duration, *request.max_duration);
  planned.state = RequestState::approved;
  planned.expires = now;  // never pending
  planned.resolved = now;
  planned.grant_expires = now + duration;
  planned.ratification = Ratification::awaiting;
  planned.ratify_by = now + window;
  planned.resolution_reason = "break-glass access, to be ratified within " +
                              format_duration(window);
  return planned;
}

std::variant<AccessRequest, RuleError> apply_ratification(const config::Config& config,
                                                          const AccessRequest& request,
                                                          std::string_view reviewer,
                                                          Decision decision, std::string reason,
                                                          TimePoint now) {
  using Kind = RuleError::Kind;
  if (!request.ratify_by || now >= *request.ratify_by) {
    return RuleError{Kind::not_pending,
                     "the ratification window of break-glass request " + request.id + " has passed"};
  }
  if (reviewer == request.user) {
    return RuleError{Kind::not_allowed, "you cannot ratify your own break-glass request"};
  }
  if (!may_review(config, reviewer, request)) {
    return RuleError{Kind::not_allowed, "you cannot ratify break-glass request " + request.id};
  }
  if (has_reviewed(request, reviewer)) {
    return RuleError{Kind::not_allowed, "you have already reviewed request " + request.id};
  }
  if (auto error = check_reason(reason)) return *error;
  // A rejection locks the person out: it must say why.
  if (decision == Decision::deny && is_blank(reason)) {
    return RuleError{Kind::invalid, "a rejection of break-glass access needs a reason: --reason \"...\""};
  }

  AccessRequest next = request;
  next.reviews.push_back({std::string(reviewer), decision, reason, now});
  ++next.version;
  if (decision == Decision::deny) {
    next.ratification = Ratification::rejected;
    next.resolution_reason = "rejected by " + std::string(reviewer) + ": " + reason;
    end_grant_if_live(next, now);
    return next;
  }
  const auto roles = tally(config, next, current_thresholds(config, next));
  const bool ratified = std::all_of(roles.begin(), roles.end(), [](const RoleProgress& p) {
    return p.approvals >= p.approvals_needed;
  });
  if (ratified) next.ratification = Ratification::ratified;
  return next;
}

}  // namespace detail

std::optional<AccessRequest> lapse_if_unratified(const AccessRequest& request, TimePoint now) {
  if (request.ratification != Ratification::awaiting || !request.ratify_by ||
      now < *request.ratify_by) {
    return std::nullopt;
  }
  AccessRequest lapsed = request;
  lapsed.ratification = Ratification::unratified;
  const auto window =
      std::chrono::duration_cast<std::chrono::seconds>(*request.ratify_by - request.created);
  lapsed.resolution_reason = "not ratified within " + detail::format_duration(window);
  end_grant_if_live(lapsed, now);
  ++lapsed.version;
  return lapsed;
}

std::optional<storage::LockRecord> break_glass_lock(const AccessRequest& request, TimePoint now,
                                                    std::string id) {
  if (request.ratification != Ratification::rejected &&
      request.ratification != Ratification::unratified) {
    return std::nullopt;
  }
  storage::LockRecord lock;
  lock.id = std::move(id);
  lock.user = request.user;
  lock.reason = "break-glass request " + request.id + " was " + request.resolution_reason;
  lock.created_by = "holdgate";
  lock.created = now;
  return lock;
}

}  // namespace holdgate::approvals
