// "host:port" destination patterns for `forwarding: {local: [...]}` (issue 18). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace holdgate::config {

// Reads "db.internal:5432", "*:443", "10.0.0.?:*", "[::1]:5432" or "localhost:*". The host is a
// glob of printable ASCII without spaces or ':' (brackets for an IPv6 address, whose colons are
// then allowed); the port is 1-65535 or "*". On failure nullopt, and `error` says why.
std::optional<HostPortPattern> parse_host_port_pattern(std::string_view text, std::string& error);

// The pattern as it would be written ("[::1]:5432", "*:*").
std::string to_string(const HostPortPattern& pattern);

}  // namespace holdgate::config
