// What a permitted login may forward besides its sessions (issue 18), from the role that
// allowed it. Pure: the proxy asks once per connection and for every forward it is asked for.
#pragma once

#include <string_view>

#include "config/config.hpp"

namespace holdgate::policy {

// Nothing unless a rule says so. The role's allow rules that allow `login` on `target` each
// contribute their own `forwarding:`, or, when they have none, the role's; a login matched by
// several rules gets what any of them gives.
config::Forwarding forwarding_for(const config::Role& role, std::string_view login,
                                  const config::Target& target);

// Does the glob (`*` any run, `?` one character; ASCII case-insensitive) match `text`?
bool glob_matches(std::string_view pattern, std::string_view text);

// May a local forward (direct-tcpip) reach `host`:`port`, as the user named it? The host is
// compared as a string (never resolved here: the target resolves it), so "localhost:5432"
// does not admit "127.0.0.1:5432". A host with brackets ("[::1]") is compared without them.
bool local_destination_allowed(const config::Forwarding& forwarding, std::string_view host, int port);

// The host:port a user asked for, printable and bounded for a log line or the audit trail.
std::string describe_destination(std::string_view host, int port);

}  // namespace holdgate::policy
