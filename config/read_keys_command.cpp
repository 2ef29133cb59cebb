// `keys_command: {command: "/usr/bin/sss_ssh_authorizedkeys %u", timeout: 5s, cache: 5m,
// max_processes: 4}` (issue 15, section 4).
#include "config/keys_command.hpp"
#include "config/sections.hpp"

namespace holdgate::config::detail {

KeysCommand read_keys_command(const Entry& e) {
  KeysCommand settings;
  Fields fields(e, {"command", "timeout", "cache", "max_processes"});
  if (auto f = fields.require("command")) {
    if (auto text = read_string(*f)) {
      auto split = split_keys_command(*text);
      if (!split.problem.empty()) {
        f->error(split.problem);
      } else {
        settings.command = *text;
        settings.argv = std::move(split.argv);
      }
    }
  }
  if (auto f = fields.get("timeout")) {
    settings.timeout = read_duration(*f, false).value_or(settings.timeout);
  }
  // 0: every login that needs the command runs it (sshd's behaviour, without a cache).
  if (auto f = fields.get("cache")) settings.cache = read_duration(*f, true).value_or(settings.cache);
  if (auto f = fields.get("max_processes")) {
    settings.max_processes = read_int(*f, 1).value_or(settings.max_processes);
  }
  return settings;
}

}  // namespace holdgate::config::detail
