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

BastionFeed::BastionFeed(asio::io_context& io, approvals::RequestService& requests,
                         storage::Store& store, std::string origin,
                         std::unique_ptr<ChangeWakeup> wakeup, EventLog& log)
    : requests_(requests),
      feed_(store, std::move(origin), [] { return std::chrono::system_clock::now(); }),
      wakeup_(std::move(wakeup)),
      log_(log),
      timer_(io) {
  feed_.start_at_newest();
}

void BastionFeed::catch_up() {
  auto caught = feed_.catch_up();
  for (const auto& change : caught.changes) requests_.events().publish(change);
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
    catch_up();
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
