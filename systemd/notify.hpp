// The service manager's readiness protocol (sd_notify(3)): one datagram of newline-separated
// VAR=VALUE assignments to the unix socket named in $NOTIFY_SOCKET. Written here rather than
// linking libsystemd because the protocol is one sendto() and holdgate needs nothing else of it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace holdgate::systemd {

class Notifier {
 public:
  // The socket named by $NOTIFY_SOCKET (none when unset: every notify() is then a no-op).
  // The variable is removed from the environment so hook programs holdgate starts cannot
  // speak for it.
  static Notifier from_environment();

  explicit Notifier(std::string socket_path = {}) : socket_path_(std::move(socket_path)) {}

  bool enabled() const { return !socket_path_.empty(); }

  // Sends `state` as is, e.g. "READY=1", "STOPPING=1", or "RELOADING=1\nMONOTONIC_USEC=123".
  // Returns a sentence when the datagram could not be sent; nothing when sent or disabled.
  std::optional<std::string> notify(std::string_view state) const;

 private:
  std::string socket_path_;  // a path, or "@name" for the abstract namespace
};

}  // namespace holdgate::systemd
