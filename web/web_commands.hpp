// The approvals channel's `web` commands (issue 17), run on the storage worker against the
// store: `web login` stores a one-time link's hash and prints the link; `web logout --all` ends
// every web session of the caller, on every bastion sharing the database.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "storage/store.hpp"

namespace holdgate::web {

struct WebCommandResult {
  std::string out, err;
  int exit_code = 0;
};

// True when `command_line`'s first word is `web`.
bool is_web_command(std::string_view command_line);

// Runs it for `person` (with `source`, "ip:port", for the audit trail). `invocation` is how
// people reach the channel, for the usage text.
WebCommandResult run_web_command(std::string_view command_line, storage::Store& store,
                                 const config::Config& config, const std::string& person,
                                 const std::string& source, storage::TimePoint now,
                                 std::string_view invocation);

// The usage lines of the `web` commands.
std::string web_usage(std::string_view invocation);

}  // namespace holdgate::web
