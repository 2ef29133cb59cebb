#include "web/event_stream.hpp"

#include <deque>

#include "approvals/commands.hpp"
#include "approvals/json.hpp"

namespace holdgate::web {
namespace {

constexpr std::size_t kMaxBehind = 64;
constexpr auto kKeepalive = std::chrono::seconds(15);
constexpr auto kLifetime = std::chrono::minutes(30);

}  // namespace

std::string event_kind(const approvals::RequestChange& change) {
  if (change.event == "request.created") return "created";
  if (change.event == "request.reviewed" || change.event == "request.hook-answered") {
    return change.request.state == storage::RequestState::pending ? "reviewed" : "resolved";
  }
  return "resolved";
}

std::string event_message(const approvals::RequestChange& change) {
  return "event: request\ndata: {\"id\":" + approvals::json_quote(change.request.id) +
         ",\"state\":" + approvals::json_quote(storage::to_string(change.request.state)) +
         ",\"kind\":\"" + event_kind(change) + "\"}\n\n";
}

std::shared_ptr<void> StreamSlots::try_open(const std::string& person) {
  auto& counts = *counts_;
  int& mine = counts.by_person[person];
  if (counts.overall >= limits_.overall || mine >= limits_.per_person) {
    if (mine == 0) counts.by_person.erase(person);
    return nullptr;
  }
  ++counts.overall;
  ++mine;
  // Not a null pointer with a deleter: that would read as "no slot" to its holder.
  struct Slot {
    std::shared_ptr<Counts> counts;
    std::string person;
    ~Slot() {
      --counts->overall;
      if (--counts->by_person[person] <= 0) counts->by_person.erase(person);
    }
  };
  return std::shared_ptr<Slot>(new Slot{counts_, person});  // no temporary to count down
}

awaitable<void> stream_events(approvals::RequestEvents& events,
                              std::shared_ptr<const config::Config> config,
                              std::string person, std::shared_ptr<void> slot,
                              std::function<awaitable<bool>()> still_signed_in, StreamWrite write) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer wake(executor);
  std::deque<std::string> queued;
  bool behind = false;
  auto listener = [&](const approvals::RequestChange& change) {
    if (change.request.id.empty() || !approvals::watch_concerns(*config, person, change)) return;
    if (queued.size() >= kMaxBehind) {
      behind = true;
    } else {
      queued.push_back(event_message(change));
    }
    wake.cancel();
  };
  auto subscription = events.subscribe(listener);
  const auto end = SteadyClock::now() + kLifetime;
  if (!co_await write("retry: 5000\n\n")) co_return;
  while (SteadyClock::now() < end && !behind) {
    if (queued.empty()) {
      wake.expires_after(kKeepalive);
      error_code ec;
      co_await wake.async_wait(asio::redirect_error(use_awaitable, ec));
      if (!queued.empty() || ec) continue;
      bool signed_in = false;
      try {
        signed_in = co_await still_signed_in();
      } catch (const std::exception&) {
        signed_in = true;  // the database is away: keep the page, not a decision
      }
      if (!signed_in || !co_await write(": keepalive\n\n")) co_return;
      continue;
    }
    std::string chunk;
    while (!queued.empty()) {
      chunk += queued.front();
      queued.pop_front();
    }
    if (!co_await write(std::move(chunk))) co_return;
  }
  (void)slot;  // held until here
}

}  // namespace holdgate::web
