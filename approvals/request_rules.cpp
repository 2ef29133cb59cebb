// Requesting: which roles a person may request and on what terms, building a new request,
// cancelling and expiring one. Reviews and their tally are in request_rules_review.cpp.
#include "approvals/request_rules.hpp"

#include <algorithm>

#include "approvals/grant_terms.hpp"
#include "approvals/request_rules_internal.hpp"
#include "policy/match.hpp"

namespace holdgate::approvals {
namespace {

using namespace std::chrono_literals;

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void append_unique(std::vector<std::string>& list, const std::string& value) {
  if (!contains(list, value)) list.push_back(value);
}

const RoleThreshold* find_threshold(const std::vector<RoleThreshold>& thresholds,
                                    std::string_view role) {
  auto it = std::find_if(thresholds.begin(), thresholds.end(),
                         [&](const RoleThreshold& t) { return t.role == role; });
  return it == thresholds.end() ? nullptr : &*it;
}

RoleThreshold threshold_from(const std::string& role, const config::RequestPolicy& policy) {
  RoleThreshold t;
  t.role = role;
  // The loader rejects counts below 1; a hand-built config must not make one review (or none)
  // decide anything.
  t.approve = std::max(1, policy.approve);
  t.deny = std::max(1, policy.deny);
  t.ttl = policy.ttl;
  t.reason_required = policy.reason == config::RequestPolicy::Reason::required;
  t.resource_only = policy.scope == config::RequestPolicy::Scope::resource;
  t.hooks_required = policy.hooks == config::RequestPolicy::Hooks::required;
  t.break_glass = policy.break_glass;
  t.break_glass_duration = policy.break_glass_duration;
  t.ratify_within = policy.ratify_within;
  for (const auto& reviewer : policy.reviewers) append_unique(t.suggested_reviewers, reviewer);
  return t;
}

// Two of the requester's roles may both offer the same role; the stricter terms hold, so
// holding an extra role never makes a request easier to pass.
void merge_into(RoleThreshold& into, const RoleThreshold& other) {
  into.approve = std::max(into.approve, other.approve);
  into.deny = std::min(into.deny, other.deny);
  into.ttl = std::min(into.ttl, other.ttl);
  into.reason_required = into.reason_required || other.reason_required;
  into.resource_only = into.resource_only || other.resource_only;
  into.hooks_required = into.hooks_required || other.hooks_required;
  // Reviewers before access is the stricter way in.
  into.break_glass = into.break_glass && other.break_glass;
  into.break_glass_duration = std::min(into.break_glass_duration, other.break_glass_duration);
  into.ratify_within = std::min(into.ratify_within, other.ratify_within);
  for (const auto& reviewer : other.suggested_reviewers) {
    append_unique(into.suggested_reviewers, reviewer);
  }
}

std::vector<std::string> without_duplicates(const std::vector<std::string>& items) {
  std::vector<std::string> unique;
  for (const auto& item : items) append_unique(unique, item);
  return unique;
}

RuleError invalid(std::string message) { return {RuleError::Kind::invalid, std::move(message)}; }

// Suggested reviewers as given (each must be a configured user) or, when none were given, the
// policy's suggestion. The policy may name people outside the config (they are notified some
// other way), so those names are kept. The requester is never a reviewer of their own request,
// so naming oneself is an error and the policy's suggestion leaves them out.
std::variant<std::vector<std::string>, RuleError> choose_reviewers(
    const config::Config& config, const config::User& requester,
    const std::vector<std::string>& given, const std::vector<const RoleThreshold*>& thresholds) {
  std::vector<std::string> reviewers;
  if (!given.empty()) {
    for (const auto& name : given) {
      if (config.find_user(name) == nullptr) return invalid("no user named '" + name + "'");
      if (name == requester.name) return invalid("you cannot review your own request");
      append_unique(reviewers, name);
    }
    return reviewers;
  }
  for (const auto* threshold : thresholds) {
    for (const auto& name : threshold->suggested_reviewers) {
      if (name != requester.name) append_unique(reviewers, name);
    }
  }
  return reviewers;
}

}  // namespace

namespace detail {

std::string format_duration(std::chrono::seconds duration) {
  const auto count = duration.count();
  if (count != 0 && count % 86400 == 0) return std::to_string(count / 86400) + "d";
  if (count != 0 && count % 3600 == 0) return std::to_string(count / 3600) + "h";
  if (count != 0 && count % 60 == 0) return std::to_string(count / 60) + "m";
  return std::to_string(count) + "s";
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
}

std::optional<RuleError> check_reason(std::string_view reason) {
  if (reason.size() > max_reason_bytes) {
    return invalid("the reason is longer than " + std::to_string(max_reason_bytes) + " bytes");
  }
  // Stored as typed and escaped at display, but a NUL would cut the text short in C strings
  // and logs along the way.
  if (reason.find('\0') != std::string_view::npos) {
    return invalid("the reason must not contain a NUL byte");
  }
  return std::nullopt;
}

std::optional<RuleError> refuse_unless_pending(const AccessRequest& request, TimePoint now) {
  if (request.state != RequestState::pending) {
    return RuleError{RuleError::Kind::not_pending, "request " + request.id + " is already " +
                                                       storage::to_string(request.state)};
  }
  // The store may not have caught up with the clock yet; the rules must not.
  if (now >= request.expires) {
    return RuleError{RuleError::Kind::not_pending, "request " + request.id + " has expired"};
  }
  return std::nullopt;
}

std::vector<std::optional<RoleThreshold>> current_thresholds(const config::Config& config,
                                                             const AccessRequest& request) {
  std::vector<std::optional<RoleThreshold>> result(request.roles.size());
  const config::User* requester = config.find_user(request.user);
  if (requester == nullptr) return result;
  const auto offered = requestable_roles(config, *requester);
  for (std::size_t i = 0; i < request.roles.size(); ++i) {
    if (const auto* threshold = find_threshold(offered, request.roles[i])) result[i] = *threshold;
  }
  return result;
}

}  // namespace detail

std::vector<RoleThreshold> requestable_roles(const config::Config& config,
                                             const config::User& requester) {
  std::vector<RoleThreshold> result;
  for (const auto& held_name : requester.roles) {
    const config::Role* held = config.find_role(held_name);
    // Undefined roles grant nothing, as in decide_login.
    if (held == nullptr || !held->request) continue;
    for (const auto& name : held->request->roles) {
      if (config.find_role(name) == nullptr) continue;  // nothing that could be granted
      auto threshold = threshold_from(name, *held->request);
      auto existing = std::find_if(result.begin(), result.end(),
                                   [&](const RoleThreshold& t) { return t.role == name; });
      if (existing == result.end()) {
        result.push_back(std::move(threshold));
      } else {
        merge_into(*existing, threshold);
      }
    }
  }
  return result;
}

std::vector<RoleThreshold> roles_granting(const config::Config& config,
                                          const config::User& requester, std::string_view login,
                                          const config::Target& target) {
  auto result = requestable_roles(config, requester);
  std::erase_if(result, [&](const RoleThreshold& t) {
    return !policy::role_allows(*config.find_role(t.role), login, target);
  });
  return result;
}

std::variant<AccessRequest, RuleError> plan_request(const config::Config& config,
                                                    const config::User& requester,
                                                    const NewRequest& request, TimePoint now,
                                                    std::string id) {
  if (request.login.empty() != request.target.empty()) {
    return invalid("a request for one login names both the login and the target");
  }
  const bool scoped = !request.target.empty();
  const config::Target* target = scoped ? config.find_target(request.target) : nullptr;
  if (scoped && target == nullptr) return invalid("no target named '" + request.target + "'");

  if (request.break_glass && !scoped) {
    return invalid("break-glass access is for one login on one target: --login and --target");
  }
  auto roles = without_duplicates(request.roles);
  if (roles.empty() && scoped) {
    for (const auto& t : roles_granting(config, requester, request.login, *target)) {
      if (t.break_glass == request.break_glass) roles.push_back(t.role);
    }
    if (roles.empty()) {
      return RuleError{RuleError::Kind::not_allowed, "no role you can request allows " +
                                                         request.login + " on " + target->name};
    }
  }
  if (roles.empty()) return invalid("name at least one role to request");

  const auto offered = requestable_roles(config, requester);
  std::vector<const RoleThreshold*> thresholds;
  for (const auto& name : roles) {
    if (config.find_role(name) == nullptr) return invalid("no role named '" + name + "'");
    const RoleThreshold* threshold = find_threshold(offered, name);
    if (threshold == nullptr) {
      return RuleError{RuleError::Kind::not_allowed, "you cannot request role '" + name + "'"};
    }
    if (scoped && !policy::role_allows(*config.find_role(name), request.login, *target)) {
      return invalid("role '" + name + "' does not allow " + request.login + " on " +
                     target->name);
    }
    if (!scoped && threshold->resource_only) {
      return RuleError{RuleError::Kind::not_allowed,
                       "role '" + name + "' can be requested only for one login on one target "
                       "(--login and --target)"};
    }
    if (threshold->break_glass != request.break_glass) {
      return RuleError{RuleError::Kind::not_allowed,
                       threshold->break_glass
                           ? "role '" + name + "' is break-glass only: add --break-glass"
                           : "role '" + name + "' cannot be requested as break-glass"};
    }
    thresholds.push_back(threshold);
  }

  if (auto error = detail::check_reason(request.reason)) return *error;
  if (detail::is_blank(request.reason)) {
    for (const auto* threshold : thresholds) {
      if (threshold->reason_required) {
        return invalid("a reason is required to request role '" + threshold->role + "'");
      }
    }
  }

  if (request.max_duration) {
    if (*request.max_duration <= 0s) return invalid("the maximum duration must be positive");
    for (const auto& name : roles) {
      const auto allowed = config.find_role(name)->max_duration;
      if (*request.max_duration > allowed) {
        return invalid("role '" + name + "' can be granted for at most " +
                       detail::format_duration(allowed));
      }
    }
  }

  auto reviewers = choose_reviewers(config, requester, request.reviewers, thresholds);
  if (auto* error = std::get_if<RuleError>(&reviewers)) return *error;

  // The strictest ttl holds: a role that must be decided within 15 minutes is not kept open
  // longer because it was asked for together with another.
  auto ttl = thresholds.front()->ttl;
  for (const auto* threshold : thresholds) ttl = std::min(ttl, threshold->ttl);

  AccessRequest planned;
  planned.id = std::move(id);
  planned.user = requester.name;
  planned.roles = roles;
  planned.reason = request.reason;
  planned.suggested_reviewers = std::get<std::vector<std::string>>(std::move(reviewers));
  planned.state = RequestState::pending;
  planned.created = now;
  planned.expires = now + ttl;
  planned.max_duration = request.max_duration;
  planned.login = request.login;
  planned.target = request.target;
  planned.source = request.source;
  planned.version = 1;
  // Fixed now, so reviewers approve the terms they were shown, whatever the config becomes.
  apply_grant_terms(config, planned);
  if (request.break_glass) {
    return detail::plan_break_glass(*target, request, thresholds, std::move(planned), now);
  }
  return planned;
}

std::optional<AccessRequest> expire_if_due(const AccessRequest& request, TimePoint now) {
  if (request.state != RequestState::pending || now < request.expires) return std::nullopt;
  AccessRequest expired = request;
  expired.state = RequestState::expired;
  expired.resolved = now;
  const auto ttl =
      std::chrono::duration_cast<std::chrono::seconds>(request.expires - request.created);
  expired.resolution_reason =
      "expired after " + detail::format_duration(ttl) + " without a decision";
  ++expired.version;
  return expired;
}

std::variant<AccessRequest, RuleError> cancel_request(const AccessRequest& request,
                                                      std::string_view by, TimePoint now) {
  if (by != request.user) {
    return RuleError{RuleError::Kind::not_allowed,
                     "only " + request.user + " can cancel this request"};
  }
  if (auto error = detail::refuse_unless_pending(request, now)) return *error;
  AccessRequest cancelled = request;
  cancelled.state = RequestState::cancelled;
  cancelled.resolved = now;
  cancelled.resolution_reason = "cancelled by " + request.user;
  ++cancelled.version;
  return cancelled;
}

}  // namespace holdgate::approvals
