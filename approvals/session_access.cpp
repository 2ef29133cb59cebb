#include "approvals/session_access.hpp"

#include <algorithm>

#include "approvals/request_rules.hpp"
#include "approvals/visibility.hpp"

namespace holdgate::approvals {
namespace {

// One of `viewer`'s configured roles reviews one of `roles`.
bool reviews_one_of(const config::Config& config, const config::User& viewer,
                    const std::vector<std::string>& roles) {
  return std::any_of(viewer.roles.begin(), viewer.roles.end(), [&](const std::string& name) {
    const config::Role* role = config.find_role(name);
    if (role == nullptr || !role->review) return false;
    const auto& covered = role->review->roles;
    return std::any_of(roles.begin(), roles.end(), [&](const std::string& session_role) {
      return std::find(covered.begin(), covered.end(), session_role) != covered.end();
    });
  });
}

}  // namespace

bool may_see_session(const config::Config& config, const config::User& viewer, const SessionOwner& owner) {
  // A hook is never a viewer (it is no configured user), so an empty person matches nobody.
  return (!owner.person.empty() && viewer.name == owner.person) || reviews_one_of(config, viewer, owner.roles) ||
         is_auditor(config, viewer);
}

bool may_kill_session(const config::Config& config, const config::User& viewer, const SessionOwner& owner) {
  if (viewer.name == owner.person || !may_see_session(config, viewer, owner)) return false;
  return is_admin(config, viewer.name) || reviews_one_of(config, viewer, owner.roles);
}

}  // namespace holdgate::approvals
