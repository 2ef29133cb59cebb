// The approval hook protocol, both directions, as pure functions: what a hook program reads on
// stdin when a request is created, and what its stdout means. The proxy runs the program.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "approvals/request_events.hpp"
#include "config/config.hpp"

namespace holdgate::approvals {

// The hook's stdin, one compact JSON object:
//   {"id", "user", "traits": {..the requester's config traits..}, "roles": [..], "reason",
//    "login", "target" (strings, or null unless the request came from an inline escalation),
//    "source" ("ip:port", or null), "key_fingerprint" ("SHA256:...", or null when unknown),
//    "created" (RFC 3339 UTC)}
std::string hook_input(const config::Config& config, const RequestChange& created);

enum class HookDecision { none, approve, deny };

struct HookVerdict {
  HookDecision decision = HookDecision::none;
  std::string reason;  // at most max_reason_bytes, cut at a character boundary
};

// Output larger than this is not read (the proxy stops the program).
inline constexpr std::size_t max_hook_output = 64 * 1024;

// The hook's stdout must be exactly one JSON object (whitespace around it is fine):
//   {"decision": "approve" | "deny" | "none", "reason": "..."}
// "decision" is required and exact (lowercase); "reason" is optional and must be a string
// without NUL; other keys are ignored. Anything else is an error, one sentence saying what is
// wrong, which callers treat as "none": a hook can never approve by accident.
std::variant<HookVerdict, std::string> parse_hook_output(std::string_view output);

}  // namespace holdgate::approvals
