// What `holdgate doctor` checks beyond serve's start-up refusals: what would fail later, at a
// login or a recording, rather than at start. Blocking (doctor is a command, not the event loop).
#pragma once

#include <vector>

#include "config/config.hpp"
#include "doctor/check.hpp"

namespace holdgate::doctor {

// Each target has an entry in holdgate's known_hosts (read only; no connection).
std::vector<Check> known_hosts_checks(const config::Config& config);

// The recording directory exists and is writable, or can be created.
Check recording_dir_check(const config::Config& config);

// PostgreSQL only: the database answers and its schema is one this build knows.
std::vector<Check> database_reachable_checks(const config::Config& config);

// --connect: each target answers within limits.connect_timeout, shows the host key pinned in
// known_hosts, and accepts holdgate's upstream key for the first login a role allows there.
std::vector<Check> connect_checks(const config::Config& config);

}  // namespace holdgate::doctor
