#include "approvals/visibility.hpp"

#include <algorithm>

namespace holdgate::approvals {

bool is_auditor(const config::Config& config, const config::User& user) {
  return std::any_of(user.roles.begin(), user.roles.end(), [&](const std::string& name) {
    const config::Role* role = config.find_role(name);
    return role != nullptr && role->audit;
  });
}

bool may_see_request(const config::Config& config, const config::User& viewer,
                     const AccessRequest& request) {
  return request.user == viewer.name || may_review(config, viewer.name, request) ||
         is_auditor(config, viewer);
}

bool may_see_event(const config::Config& config, const config::User& viewer,
                   const storage::AuditEvent& event, const std::set<std::string>& visible_requests) {
  return event.actor == viewer.name || visible_requests.contains(event.subject) ||
         is_auditor(config, viewer);
}

}  // namespace holdgate::approvals
