#include "approvals/session_access.hpp"

#include <algorithm>

#include "approvals/visibility.hpp"

namespace holdgate::approvals {
namespace {

// One of `viewer`'s roles lists `role` under review.roles (as a request's reviewers are found),
// judged on the viewer as given: a hook is never a viewer.
bool reviews_role(const config::Config& config, const config::User& viewer, const std::string& role) {
  return std::any_of(viewer.roles.begin(), viewer.roles.end(), [&](const std::string& held_name) {
    const config::Role* held = config.find_role(held_name);
    return held != nullptr && held->review &&
           std::find(held->review->roles.begin(), held->review->roles.end(), role) !=
               held->review->roles.end();
  });
}

}  // namespace

bool may_see_session(const config::Config& config, const config::User& viewer,
                     const SessionOwner& owner) {
  if (!owner.person.empty() && viewer.name == owner.person) return true;
  if (is_auditor(config, viewer)) return true;
  // The reviewers of the role that allowed it, whether a grant or a standing role did: they
  // answer for that access, so they may see what was done with it.
  return std::any_of(owner.roles.begin(), owner.roles.end(),
                     [&](const std::string& role) { return reviews_role(config, viewer, role); });
}

}  // namespace holdgate::approvals
