#include "bastion_feed.hpp"

#include <array>
#include <chrono>

namespace holdgate::proxy {

namespace {
using std::chrono::milliseconds;

// Nothing depends on the wake-up: this often the trail is read anyway.
constexpr milliseconds kSafetyReread{2000};
// SQLite makes a commit visible to readers after its last write to the -wal (the wal-index in
// the -shm is updated after the fsync, and inotify does not see that): a read right on the hint
// can come too early, so a hint is followed by these re-reads before the safety interval.
constexpr std::array<milliseconds, 2> kAfterHint{milliseconds(50), milliseconds(250)};
}  // namespace

BastionFeed::BastionFeed(asio::io_context& io, StorageWorker& storage, std::string origin,
                         std::unique_ptr<ChangeWakeup> wakeup, EventLog& log)
    : storage_(storage),
      feed_(storage.store_on_worker(), std::move(origin), [] { return std::chrono::system_clock::now(); }),
      wakeup_(std::move(wakeup)),
      log_(log),
      timer_(io) {
  // Queued before any catch_up: the worker runs its calls in order.
  storage_.post("starting the change feed",
                [this](approvals::RequestService&) { feed_.start_at_newest(); });
}

awaitable<void> BastionFeed::catch_up() {
  cluster::CatchUp caught;
  try {
    caught = co_await storage_.run([this](approvals::RequestService&) { return feed_.catch_up(); });
  } catch (const StorageUnreachable& e) {  // logged already, or the queue is full: next read
    caught.failure = e.what();
  }
  for (const auto& change : caught.changes) storage_.events().publish(change);
  if (caught.failure && !failing_) {
    log_.write("change-feed-error", {{"reason", *caught.failure}});
  } else if (!caught.failure && failing_) {
    log_.write("change-feed-resumed", {});
  }
  failing_ = caught.failure.has_value();
}

awaitable<void> BastionFeed::run() {
  if (wakeup_) {
    wakeup_->start([this] {
      hinted_ = true;
      timer_.cancel();
    });
  }
  std::size_t after_hint = kAfterHint.size();  // re-reads still due after the last hint
  while (!stopped_) {
    if (hinted_) after_hint = 0;
    hinted_ = false;
    co_await catch_up();
    // A hint that came during the read is not lost: the flag skips the wait.
    if (hinted_ || stopped_) continue;
    timer_.expires_after(after_hint < kAfterHint.size() ? kAfterHint[after_hint++] : kSafetyReread);
    error_code ec;
    co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

void BastionFeed::stop() {
  stopped_ = true;
  timer_.cancel();
  wakeup_.reset();
}

}  // namespace holdgate::proxy
