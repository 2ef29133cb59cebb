// Keys from a directory service (issue 15, section 4): `keys_command:` runs a program like
// sshd's AuthorizedKeysCommand for each configured user (%u = the holdgate user name) and
// keeps its answers for `cache`. holdgate knows a person by the key they offer, not by the
// name they type, so a key that matches no inline key is looked up among every user's answer:
// out-of-date answers are run again first (at most max_processes at once, each within
// `timeout`, all within the login's grace deadline), then exactly one user must list the key.
// A failed run (non-zero exit, timeout, output that is not keys) is "no key" for that user and
// one `keys-command-failed` line; a key two users' answers list is refused and logged
// (`keys-command-conflict`). Programs run off the event loop (integrations::run_program).
//
// The state lives here, owned by the Server, and not in the Config: each lookup is given the
// config it answers for (users and keys_command settings), so a reloaded config applies to
// the next lookup, and an answer made by a different command is never used.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "runtime/net.hpp"

namespace holdgate::proxy {

struct KeyDirectoryState;  // key_directory.cpp

class KeyDirectory {
 public:
  KeyDirectory(asio::io_context& io, EventLog& log);
  // Kills programs still running: their answers would have nowhere to go.
  ~KeyDirectory();

  KeyDirectory(const KeyDirectory&) = delete;
  KeyDirectory& operator=(const KeyDirectory&) = delete;

  // The user in `config` whose keys_command answer lists this key, or nullptr (no
  // keys_command, nobody, a conflict, or `deadline` passed first). `fingerprint` is for the log.
  awaitable<const config::User*> find(const config::Config& config, std::string type,
                                      std::string blob, std::string fingerprint,
                                      SteadyClock::time_point deadline);

  // For a key that is `owner`'s inline key: another user whose answer at hand (nothing is run)
  // lists it too, or "". Such a key opens nothing (the caller refuses it; this logs it).
  std::string also_listed_for(const config::Config& config, const config::User& owner,
                              std::string_view type, std::string_view blob,
                              std::string_view fingerprint);

  // Start-up check: the program exists and is executable. One sentence, or nullopt.
  static std::optional<std::string> check(const config::Config& config);

 private:
  std::shared_ptr<KeyDirectoryState> state_;
};

}  // namespace holdgate::proxy
