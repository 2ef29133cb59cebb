// Taking access back: who may drop or revoke an approved request, and what it becomes.
#include <algorithm>

#include "approvals/request_rules.hpp"
#include "approvals/request_rules_internal.hpp"

namespace holdgate::approvals {
namespace {

// Only a grant that still holds can be taken back; anything else says what the request is.
std::optional<RuleError> refuse_unless_live(const AccessRequest& request, TimePoint now) {
  if (request.state != RequestState::approved) {
    return RuleError{RuleError::Kind::not_pending, "request " + request.id + " is " +
                                                       storage::to_string(request.state) +
                                                       ", not APPROVED"};
  }
  if (!request.grant_expires || now >= *request.grant_expires) {
    return RuleError{RuleError::Kind::not_pending,
                     "the access granted by request " + request.id + " has already ended"};
  }
  return std::nullopt;
}

AccessRequest taken_back(const AccessRequest& request, RequestState state, std::string reason,
                         TimePoint now) {
  AccessRequest ended = request;
  ended.state = state;
  ended.grant_expires = now;
  ended.resolution_reason = std::move(reason);
  ++ended.version;
  return ended;
}

}  // namespace

bool is_admin(const config::Config& config, std::string_view user) {
  const config::User* person = config.find_user(user);
  if (person == nullptr) return false;
  return std::any_of(person->roles.begin(), person->roles.end(), [&](const std::string& name) {
    const config::Role* role = config.find_role(name);
    return role != nullptr && role->admin;
  });
}

bool may_revoke(const config::Config& config, std::string_view by, const AccessRequest& request) {
  return is_admin(config, by) || may_review(config, by, request);
}

std::variant<AccessRequest, RuleError> drop_request(const AccessRequest& request,
                                                    std::string_view by, TimePoint now) {
  if (by != request.user) {
    return RuleError{RuleError::Kind::not_allowed, "only " + request.user + " can drop this request"};
  }
  if (auto error = refuse_unless_live(request, now)) return *error;
  return taken_back(request, RequestState::dropped, "dropped by " + request.user, now);
}

std::variant<AccessRequest, RuleError> revoke_request(const config::Config& config,
                                                      const AccessRequest& request,
                                                      std::string_view by, std::string reason,
                                                      TimePoint now) {
  if (!may_revoke(config, by, request)) {
    return RuleError{RuleError::Kind::not_allowed,
                     by == request.user ? "use 'request drop' to give up your own access"
                                        : "you cannot revoke this request"};
  }
  if (auto error = refuse_unless_live(request, now)) return *error;
  if (detail::is_blank(reason)) {
    return RuleError{RuleError::Kind::invalid, "a revocation needs a reason: --reason \"...\""};
  }
  if (auto error = detail::check_reason(reason)) return *error;
  return taken_back(request, RequestState::revoked,
                    "revoked by " + std::string(by) + ": " + reason, now);
}

}  // namespace holdgate::approvals
