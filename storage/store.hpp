// The narrow storage interface. SQLite (one bastion) and PostgreSQL (several bastions sharing
// one state) implement it and pass the same conformance suite
// (tests/unit/storage_conformance_test.cpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/records.hpp"

namespace holdgate::storage {

struct StoreError {
  std::string message;
};

// Thrown by the operations whose result has no room for an error (the reads, update_request,
// append_audit) when the database itself fails: I/O error, disk full, still locked after the
// busy timeout, corruption. The message names the file and the operation. Nothing was written.
class StoreFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The outcome of a compare-and-swap write.
enum class WriteResult { written, conflict, not_found };

struct RequestFilter {
  std::optional<std::string> user;         // only this requester's
  std::optional<RequestState> state;       // only in this state
  std::optional<TimePoint> resolved_since; // only resolved at or after
  bool awaiting_ratification = false;       // only break-glass requests not yet ratified
};

// What the per-person request limits look at (approvals/request_limits.hpp): one requester's
// PENDING requests that have not expired, and when their recent requests were created.
struct RequesterActivity {
  int pending = 0;
  std::vector<TimePoint> created;  // oldest first
};

class Store {
 public:
  virtual ~Store() = default;

  // Inserts a new request (version 1) and its audit event in one durable transaction.
  // request.version is ignored: the stored request is version 1, so the first update_request
  // carries version 2. An id that exists already is an error and changes nothing. A request
  // created APPROVED gets its grants as update_request would write them.
  virtual std::variant<std::monostate, StoreError> create_request(const AccessRequest& request,
                                                                  const AuditEvent& event) = 0;

  virtual std::optional<AccessRequest> get_request(std::string_view id) = 0;

  // Newest first (created descending, then id ascending). Filtered by state, it reads only the
  // requests in that state: a list of what is PENDING costs what is pending, not the history.
  virtual std::vector<AccessRequest> list_requests(const RequestFilter& filter) = 0;

  // `user`'s requests stored PENDING with `expires` after `now`, counted, and the creation times
  // of their requests (in any state) created at or after `since`.
  virtual RequesterActivity requester_activity(std::string_view user, TimePoint now,
                                               TimePoint since) = 0;

  // Replaces the stored request with `updated` (state, reviews, grant fields, resolution) only
  // if the stored version is `updated.version - 1`; stores the new version. When the new state
  // is APPROVED, writes one grant per role in the same transaction, and appends `events`.
  // Everything or nothing, durable before it returns. Reviews already stored are never
  // rewritten: only those in `updated.reviews` beyond the stored count are added. When the new
  // state is REVOKED or DROPPED, the request's grants end at `updated.grant_expires`. An APPROVED
  // request must carry grant_expires (std::invalid_argument otherwise, a caller bug).
  virtual WriteResult update_request(const AccessRequest& updated,
                                     const std::vector<AuditEvent>& events) = 0;

  // Grants of `user` that have not expired at `now` (one expiring exactly at `now` has).
  virtual std::vector<GrantRecord> active_grants(std::string_view user, TimePoint now) = 0;

  // Takes one use of an APPROVED request whose grant holds at `now` and has uses left, and
  // appends `event(uses left after it)`, in one transaction (a conditional decrement: two callers cannot both take
  // the last use). Returns the uses left after it, or nullopt when none was taken (no uses left,
  // not approved, over, no such request, or unlimited). Bumps the request's version.
  virtual std::optional<int> take_use(std::string_view request_id, TimePoint now,
                                      const std::function<AuditEvent(int)>& event) = 0;

  // ---- Locks. create_lock inserts `lock` and its audit event in one transaction (an id that
  // exists already is an error). remove_lock marks a lock that still holds at `at` removed by
  // `by`, with its event: not_found when there is no such lock or it no longer holds.
  virtual std::variant<std::monostate, StoreError> create_lock(const LockRecord& lock,
                                                               const AuditEvent& event) = 0;
  virtual WriteResult remove_lock(std::string_view id, std::string_view by, TimePoint at,
                                  const AuditEvent& event) = 0;
  // Locks neither removed nor expired at `now`, oldest first.
  virtual std::vector<LockRecord> active_locks(TimePoint now) = 0;

  // ---- The reviewer web page (issue 17): login links and sessions, shared by every bastion on
  // the database (a link made on one is good on another; `web logout --all` ends them all).
  // Each call also deletes the rows that have expired at `now` (the tables stay small).
  virtual void create_web_login(const WebLogin& login, TimePoint now) = 0;
  // Deletes the link and returns it (whoever asks first: single use across bastions), also
  // when it has expired (the caller says so); nullopt when there is none (used, or never was).
  virtual std::optional<WebLogin> take_web_login(std::string_view token_hash, TimePoint now) = 0;
  virtual void create_web_session(const WebSession& session, TimePoint now) = 0;
  // The session when it holds at `now` (expires after it).
  virtual std::optional<WebSession> get_web_session(std::string_view id_hash, TimePoint now) = 0;
  virtual void end_web_session(std::string_view id_hash) = 0;
  // Every session of `person` (`web logout --all`); returns how many.
  virtual int end_web_sessions(std::string_view person) = 0;

  // Every append (here and in the transactions above) extends the hash chain
  // (storage/audit_chain.hpp): the backend reads the newest event's hash and inserts the next id
  // under one write lock, so concurrent writers, in one process or several, queue up rather
  // than fork the chain. SQLite: BEGIN IMMEDIATE. PostgreSQL: inside the writing transaction,
  // `UPDATE audit_head SET id = id + 1 RETURNING id, hash` on a one-row table locks the head, so
  // bastions sharing the database serialise only their audit appends, and ids stay gap-free
  // because a rolled-back transaction takes its id with it (no SEQUENCE, which skips on
  // rollback).
  virtual void append_audit(const AuditEvent& event) = 0;

  // Events at or after `since`, oldest first (in the order they were appended), hashes included.
  virtual std::vector<AuditEvent> audit_since(TimePoint since) = 0;
  // The same, only events of these kinds (e.g. session.ended): finding a session must not read
  // the whole trail, which grows without bound.
  virtual std::vector<AuditEvent> audit_of_kinds(const std::vector<std::string>& kinds,
                                                 TimePoint since) = 0;

  // The newest event (what a checkpoint signs); nullopt when the trail is empty.
  virtual std::optional<AuditEvent> latest_audit() = 0;

  // At most `limit` events with an id above `after_id`, oldest first, origins included: the
  // change feed between bastions (cluster/change_feed.hpp) pages through the trail with it.
  // Ids are gap-free and committed in order (one write lock per append), so a reader that has
  // seen id N has seen every event up to N and never misses one committed later.
  virtual std::vector<AuditEvent> audit_after(long after_id, std::size_t limit) = 0;
};

// Opens (creating if needed) the SQLite database at `path`, applying schema migrations. A file
// from a newer holdgate is refused with a clear message. A new file is created with mode 0600.
// One Store may be shared by threads (its calls take turns); several Stores, in one process or
// several, may use the same file. `origin` is stamped on every audit event this Store appends
// (AuditEvent::origin): one random id per holdgate process, so that bastions sharing the file
// can tell their own changes from the others'.
std::variant<std::unique_ptr<Store>, StoreError> open_sqlite_store(const std::string& path,
                                                                   std::string origin = {});

// Connects to the PostgreSQL database `dsn` names (a libpq URI or key=value string; a
// connect_timeout of 3 s unless it says otherwise), applying schema migrations; a schema from a
// newer holdgate is refused. One Store may be shared by threads (its calls take turns); several,
// on several bastions, may share the database. A call that finds the connection lost throws
// StoreFailure("cannot reach its database ..."); the next call connects again. Messages never
// show the DSN's password. `origin` as for open_sqlite_store.
std::variant<std::unique_ptr<Store>, StoreError> open_postgres_store(const std::string& dsn,
                                                                     std::string origin = {});

}  // namespace holdgate::storage
