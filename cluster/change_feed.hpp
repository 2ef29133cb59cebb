// The change feed between bastions sharing one database (issue 14). The database is the truth:
// every change is an audit event with a gap-free id (storage::Store::audit_after), so a bastion
// that remembers the last id it has read (its cursor) catches up on everything other bastions
// wrote since, however late or often it is woken. A wake-up (proxy/change_wakeup.hpp) is only a
// hint to read now; a missed one delays a change until the next read, never loses it.
//
// Synchronous and store-only, so it can run wherever the store's calls run (the event loop
// today, a storage worker thread later); the caller publishes the changes on the loop.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "approvals/request_events.hpp"
#include "storage/store.hpp"

namespace holdgate::cluster {

struct CatchUp {
  std::vector<approvals::RequestChange> changes;  // oldest first, each marked remote
  // The store failed part way: the changes before it are here and the cursor is past them
  // only; the next catch_up starts again from the event that failed.
  std::optional<std::string> failure;
};

class ChangeFeed {
 public:
  // `origin` is this process's (the one its store was opened with): its own events are skipped.
  ChangeFeed(storage::Store& store, std::string origin, std::function<storage::TimePoint()> now);

  // The cursor at the newest event now: a process that starts has read the state as stored and
  // needs only what changes after.
  void start_at_newest();

  // Reads every event after the cursor in pages and turns other bastions' request and lock
  // events into changes.
  CatchUp catch_up();

  long cursor() const { return cursor_; }

 private:
  std::optional<approvals::RequestChange> change_for(const storage::AuditEvent& event);

  storage::Store& store_;
  std::string origin_;
  std::function<storage::TimePoint()> now_;
  long cursor_ = 0;
};

}  // namespace holdgate::cluster
