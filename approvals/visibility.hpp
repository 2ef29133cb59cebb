// Who may see what through the approvals channel. People see their own requests, the requests
// they may review and their own logins; the whole trail (every request, everyone's logins with
// their source addresses) is for holders of a role marked `audit: true`. Pure rules.
#pragma once

#include <set>
#include <string>

#include "approvals/request_rules.hpp"
#include "config/config.hpp"
#include "storage/records.hpp"

namespace holdgate::approvals {

// True when one of `user`'s configured roles has `audit: true`.
bool is_auditor(const config::Config& config, const config::User& user);

// An auditor sees every request; anyone else their own and those they may review (may_review,
// whatever the request's state, so a reviewer can look back at what they decided).
bool may_see_request(const config::Config& config, const config::User& viewer,
                     const AccessRequest& request);

// An auditor sees every event; anyone else the events they did themselves (their logins, their
// requests and reviews) and those about a request whose id is in `visible_requests`.
bool may_see_event(const config::Config& config, const config::User& viewer,
                   const storage::AuditEvent& event, const std::set<std::string>& visible_requests);

}  // namespace holdgate::approvals
