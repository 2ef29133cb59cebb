// What a person sees in their own terminal while holdgate asks for access on their behalf
// (inline escalation). Pure text building; every user-typed string is sanitised here.
#pragma once

#include <string>
#include <vector>

#include "approvals/request_rules.hpp"

namespace holdgate::approvals::escalation_text {

// Shown first, as the authentication banner: what was denied, what can be requested, and the
// exact command for a client without a terminal (which cannot answer the prompts).
std::string denied_banner(std::string_view login, std::string_view target,
                          const std::vector<RoleThreshold>& roles, std::string_view invocation);

// When no role the person can request would allow the login.
std::string not_requestable(std::string_view login, std::string_view target);

// The question for choosing among several roles.
std::string role_prompt(const std::vector<RoleThreshold>& roles);

std::string reason_prompt();

// "Creating request... ID" or "Reattached to your pending request ID (made 23 Nov 26 ...)".
std::string created(const AccessRequest& request);
std::string reattached(const AccessRequest& request);

// "Waiting for approval 1/2 (can still approve: ivan) - Ctrl-C to leave (the request stays pending)"
std::string waiting(const Progress& progress);

// "  + alice approved: "proceed with caution"" / "  x ivan denied: "not now""
std::string review(const storage::Review& review);

// The final line for a request that left PENDING.
std::string resolved(const AccessRequest& request, std::string_view target);

// ---- Break-glass (issue 12, section 4): when the only way in is a break-glass role.
// The banner says plainly what break-glass means (access at once, audited, ratified by the
// role's reviewers within the window, else locked) and the command for a client without a
// terminal.
std::string break_glass_banner(std::string_view login, std::string_view target,
                               const RoleThreshold& role, std::string_view invocation);
std::string break_glass_reason_prompt();
std::string break_glass_confirm_prompt(std::string_view target);
// "BREAK-GLASS access granted until ... (request ID); it must be ratified by ... or you are
// locked. Connecting to db-1..."
std::string break_glass_granted(const AccessRequest& request, std::string_view target);

}  // namespace holdgate::approvals::escalation_text
