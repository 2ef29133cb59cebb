// Brings other bastions' changes to this one's listeners: runs the change feed
// (cluster/change_feed.hpp) when woken (change_wakeup.hpp) and at a slow safety re-read, and
// publishes what it finds on the loop's RequestEvents (StorageWorker::events()), marked remote.
// Held sessions, `request watch`, menus, live sessions and the expiry timer act on them as on
// local changes. The feed reads the store, so it runs on the storage worker, never the loop.
#pragma once

#include <memory>

#include "change_wakeup.hpp"
#include "cluster/change_feed.hpp"
#include "runtime/event_log.hpp"
#include "runtime/net.hpp"
#include "runtime/storage_worker.hpp"

namespace holdgate::proxy {

class BastionFeed {
 public:
  // Starts at the newest event now. `wakeup` may be null (then only the safety re-reads).
  BastionFeed(asio::io_context& io, StorageWorker& storage, std::string origin,
              std::unique_ptr<ChangeWakeup> wakeup, EventLog& log);

  // Reads and publishes until stop().
  awaitable<void> run();
  void stop();

 private:
  awaitable<void> catch_up();

  StorageWorker& storage_;
  cluster::ChangeFeed feed_;  // touched on the storage worker only (it reads the store)
  std::unique_ptr<ChangeWakeup> wakeup_;
  EventLog& log_;
  asio::steady_timer timer_;
  bool hinted_ = false;
  bool stopped_ = false;
  bool failing_ = false;  // logged once per outage, not on every re-read
};

}  // namespace holdgate::proxy
