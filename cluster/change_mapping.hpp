// From one audit event to what a bastion must read to tell its listeners about it. Pure: no
// store, no clock; the feed (change_feed.hpp) does the reading.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace holdgate::cluster {

// What an audit event is about, for the listeners of approvals::RequestEvents.
struct ChangeLookup {
  enum class What {
    request,       // a request.* event: re-read the request as stored now
    lock_created,  // a lock.* event creating the lock `id`: read it among the active locks
    lock_removed,  // the lock `id` was removed: the event itself says enough (removed_lock)
  };
  What what;
  std::string id;  // the request's or the lock's
};

// nullopt for events no listener cares about (logins, sessions, recordings, checkpoints).
std::optional<ChangeLookup> lookup_for(const storage::AuditEvent& event);

// The events of `page` (oldest first) to publish: those not written by `own_origin` (this
// process published its own when it wrote them) that lookup_for knows, and of a review followed
// in the same write by the state it led to (request.reviewed, then request.approved on the same
// request at the same moment by the same writer) only the last, as the writer published one
// change for both.
std::vector<storage::AuditEvent> events_to_publish(const std::vector<storage::AuditEvent>& page,
                                                   const std::string& own_origin);

// A lock.removed event as the removed lock ("user=bob reason=incident 42", written by
// RequestService::remove_lock): what the lock was on, who removed it, when.
storage::LockRecord removed_lock(const storage::AuditEvent& event);

}  // namespace holdgate::cluster
