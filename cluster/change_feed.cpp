#include "cluster/change_feed.hpp"

#include <algorithm>

#include "cluster/change_mapping.hpp"

namespace holdgate::cluster {

namespace {
// Enough for a burst of decisions in one read, small enough to bound one read's memory.
constexpr std::size_t kPage = 256;
}  // namespace

ChangeFeed::ChangeFeed(storage::Store& store, std::string origin,
                       std::function<storage::TimePoint()> now)
    : store_(store), origin_(std::move(origin)), now_(std::move(now)) {}

void ChangeFeed::start_at_newest() {
  auto newest = store_.latest_audit();
  cursor_ = newest ? newest->id : 0;
}

std::optional<approvals::RequestChange> ChangeFeed::change_for(const storage::AuditEvent& event) {
  auto lookup = lookup_for(event);
  if (!lookup) return std::nullopt;
  approvals::RequestChange change;
  change.event = event.kind;
  change.source = event.source;
  change.remote = true;
  switch (lookup->what) {
    case ChangeLookup::What::request: {
      // As stored now, which may be past this event: listeners decide on the freshest state, as
      // they do locally (and a later event about it follows anyway).
      auto request = store_.get_request(lookup->id);
      if (!request) return std::nullopt;
      change.request = std::move(*request);
      break;
    }
    case ChangeLookup::What::lock_created: {
      auto locks = store_.active_locks(now_());
      auto found = std::find_if(locks.begin(), locks.end(),
                                [&](const auto& lock) { return lock.id == lookup->id; });
      // Removed or expired since: it holds nothing back any more, and its removal follows.
      if (found == locks.end()) return std::nullopt;
      change.lock = *found;
      break;
    }
    case ChangeLookup::What::lock_removed:
      change.lock = removed_lock(event);
      break;
  }
  return change;
}

CatchUp ChangeFeed::catch_up() {
  CatchUp result;
  try {
    for (;;) {
      auto page = store_.audit_after(cursor_, kPage);
      if (page.empty()) break;
      auto wanted = events_to_publish(page, origin_);
      auto next = wanted.begin();
      for (const auto& event : page) {
        if (next != wanted.end() && next->id == event.id) {
          if (auto change = change_for(*next)) result.changes.push_back(std::move(*change));
          ++next;
        }
        cursor_ = event.id;  // only once its change (if any) is in hand
      }
      if (page.size() < kPage) break;
    }
  } catch (const storage::StoreFailure& failed) {
    result.failure = failed.what();
  }
  return result;
}

}  // namespace holdgate::cluster
