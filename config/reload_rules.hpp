// What a configuration reload (SIGHUP) may change in a running holdgate, as pure functions over
// two Configs, so the rules are table-tested without a server. Used by proxy/config_reload.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace holdgate::config {

// Settings the running server read once at start (the listening socket, state_dir, the store,
// the host and upstream keys, the recordings directory, the audit checkpointer, the metrics
// listener, the start-up limits). Those that differ in `loaded` are set back to `running`'s values, so the rest of
// `loaded` can apply at once; returns the names of those put back ("listen", "storage", ...),
// in a fixed order, for the one log line that says a restart is needed.
std::vector<std::string> keep_restart_settings(const Config& running, Config& loaded);

// Are the webhooks and approval hooks (and max_hook_processes) as they were? When they are,
// a reload keeps the running senders and hook runs; when not, they are made anew.
bool same_integrations(const Config& a, const Config& b);

// Does `config` still let `person` in with the key whose base64 blob is `key_blob`? False
// when the user is gone or no longer has that key: their connections end on reload. A key
// that no user lists inline, with a keys_command configured, came from the directory and stays.
bool still_admits(const Config& config, std::string_view person, std::string_view key_blob);

}  // namespace holdgate::config
