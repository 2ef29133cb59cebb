#include "approvals/grant_terms.hpp"

#include <algorithm>

namespace holdgate::approvals {

config::Role::GrantTerms merged_grant_terms(const config::Config& config,
                                            const std::vector<std::string>& roles) {
  config::Role::GrantTerms merged;
  for (const auto& name : roles) {
    const config::Role* role = config.find_role(name);
    if (role == nullptr) continue;
    merged.until_session_end = merged.until_session_end || role->grant.until_session_end;
    if (role->grant.uses > 0) {
      merged.uses = merged.uses == 0 ? role->grant.uses : std::min(merged.uses, role->grant.uses);
    }
  }
  return merged;
}

void apply_grant_terms(const config::Config& config, AccessRequest& request) {
  auto terms = merged_grant_terms(config, request.roles);
  request.until_session_end = terms.until_session_end;
  if (terms.uses > 0) {
    request.uses = terms.uses;
    request.uses_left = terms.uses;
  } else {
    request.uses.reset();
    request.uses_left.reset();
  }
}

std::optional<AccessRequest> end_with_session(const AccessRequest& request,
                                              const std::string& session_what, TimePoint now) {
  if (!request.until_session_end || request.state != RequestState::approved) return std::nullopt;
  if (!request.grant_expires || now >= *request.grant_expires) return std::nullopt;
  AccessRequest ended = request;
  ended.grant_expires = now;
  ended.resolution_reason = "ended with " + request.user + "'s session on " + session_what;
  ++ended.version;
  return ended;
}

std::string use_details(int uses, int left, const std::string& what) {
  return "use " + std::to_string(uses - left) + " of " + std::to_string(uses) + " (" + what +
         "); " + (left == 0 ? std::string("no uses left") : std::to_string(left) + " left");
}

}  // namespace holdgate::approvals
