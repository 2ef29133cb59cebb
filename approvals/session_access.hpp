// Who may see a recorded or live session (issue 13, section 2): `session play`, `export`,
// `watch`, `kill` and `list` all ask this one rule. Pure.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace holdgate::approvals {

// What decides who may see a session: its person and the roles of the grant/standing role that
// allowed it.
struct SessionOwner {
  std::string person;
  std::vector<std::string> roles;
  std::string request_id;
};

// The person for their own sessions; reviewers of one of `roles` (config review.roles covers
// it); holders of an audit: true role for all. Never anyone else.
bool may_see_session(const config::Config& config, const config::User& viewer,
                     const SessionOwner& owner);

}  // namespace holdgate::approvals
