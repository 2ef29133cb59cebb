// How a grant ends besides its expiry (issue 12, section 3): `grant: {until: session-end}` and
// `grant: {uses: N}` of the requested roles. Pure rules over values; the store takes the uses
// (Store::take_use) and the proxy says when a session ends.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "approvals/request_rules.hpp"

namespace holdgate::approvals {

// The terms a new request carries, merged over its roles, the strictest winning: until the
// session ends if any role says so; the fewest uses of the roles that limit them.
config::Role::GrantTerms merged_grant_terms(const config::Config& config,
                                            const std::vector<std::string>& roles);

// Sets request.until_session_end, uses and uses_left from merged_grant_terms.
void apply_grant_terms(const config::Config& config, AccessRequest& request);

// The grant of an APPROVED until-session-end request ends now because the session that logged in
// with it ended: version + 1, grant_expires = now, state kept APPROVED (it was approved and
// used; nobody took it back), resolution_reason "ended with bob's session on root@db-1".
// nullopt when it has no such term, is not APPROVED, or its grant is already over.
std::optional<AccessRequest> end_with_session(const AccessRequest& request,
                                              const std::string& session_what, TimePoint now);

// "use 1 of 1 (root@db-1); no uses left": the audit details of taking a use.
std::string use_details(int uses, int left, const std::string& what);

}  // namespace holdgate::approvals
