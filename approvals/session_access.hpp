// Who may see and end a relayed session (issue 13, section 2): pure rules over the session's
// owner (its person and the roles that allowed the login), used by `session list`, `play`,
// `export`, `watch` and `kill` alike.
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
bool may_see_session(const config::Config& config, const config::User& viewer, const SessionOwner& owner);

// Ending someone's live session is for those who may see it and either are admins or review one
// of its roles; never its own person (they can just exit, and a reviewer who is also the person
// must not look like a second pair of eyes).
bool may_kill_session(const config::Config& config, const config::User& viewer, const SessionOwner& owner);

}  // namespace holdgate::approvals
