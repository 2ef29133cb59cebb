// Brings other bastions' changes to this one's listeners: runs the change feed
// (cluster/change_feed.hpp) when woken (change_wakeup.hpp) and at a slow safety re-read, and
// publishes what it finds on the service's RequestEvents, marked remote. Held sessions,
// `request watch`, menus, live sessions and the expiry timer act on them as on local changes.
#pragma once

#include <memory>

#include "approvals/service.hpp"
#include "change_wakeup.hpp"
#include "cluster/change_feed.hpp"
#include "event_log.hpp"
#include "net.hpp"

namespace holdgate::proxy {

class BastionFeed {
 public:
  // Starts at the newest event now. `wakeup` may be null (then only the safety re-reads).
  BastionFeed(asio::io_context& io, approvals::RequestService& requests, storage::Store& store,
              std::string origin, std::unique_ptr<ChangeWakeup> wakeup, EventLog& log);

  // Reads and publishes until stop().
  awaitable<void> run();
  void stop();

 private:
  void catch_up();

  approvals::RequestService& requests_;
  cluster::ChangeFeed feed_;
  std::unique_ptr<ChangeWakeup> wakeup_;
  EventLog& log_;
  asio::steady_timer timer_;
  bool hinted_ = false;
  bool stopped_ = false;
  bool failing_ = false;  // logged once per outage, not on every re-read
};

}  // namespace holdgate::proxy
