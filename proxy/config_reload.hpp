// SIGHUP (and `systemctl reload`): re-reads the config file holdgate started with (issue 15,
// section 3). A file that fails to load is refused with check-config's FILE:LINE:COL lines and
// the old config stays in force; a good one applies to new logins and requests at once, while
// sessions keep the snapshot they started under. Settings only a restart changes keep their
// running values (one log line names them). The people (or keys) it removed lose their
// connections, each told in one line.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

#include "runtime/event_log.hpp"
#include "runtime/net.hpp"
#include "server.hpp"

namespace holdgate::proxy {

class ConfigReloader {
 public:
  // `notify` tells the service manager (sd_notify: RELOADING=1 ..., READY=1).
  using Notify = std::function<void(std::string_view state)>;

  ConfigReloader(asio::io_context& io, std::filesystem::path file, Server& server, EventLog& log,
                 Notify notify);

  // Waits for SIGHUP and reloads on each, until stop().
  void start();
  void stop();

  // One reload, now. Public for the signal handler only.
  void reload();

 private:
  void wait();

  std::filesystem::path file_;
  Server& server_;
  EventLog& log_;
  Notify notify_;
  asio::signal_set signals_;
};

// The line a person whose access a reload removed sees last.
inline constexpr std::string_view access_removed_message =
    "holdgate: your access was removed from the configuration; the session ends";

}  // namespace holdgate::proxy
