#include "storage/sqlite_store.hpp"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>

#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_statement.hpp"
#include "storage/sqlite_transaction.hpp"
#include "storage/web_tables.hpp"

namespace holdgate::storage::sqlite {

namespace {

using Kind = Transaction::Kind;

// A revoked or dropped request's grants end at its grant_expires, which the rules set to the
// moment it was taken back: kept as rows, for the record, but no longer active.
void end_grants(sqlite3* db, const AccessRequest& request) {
  Statement end(db, "UPDATE grants SET expires = min(expires, ?2) WHERE request_id = ?1");
  end.bind(1, request.id);
  end.bind(2, to_millis(request.grant_expires.value_or(Clock::now())));
  end.run();
}

// One connection, used by one thread at a time: a transaction spans several calls on the
// connection, and two threads interleaving them would nest BEGINs. Several processes or several
// Stores on the same file are kept apart by SQLite's file locks and the busy timeout instead.
class SqliteStore final : public Store {
 public:
  SqliteStore(Database db, std::string path, std::string origin)
      : db_(std::move(db)), path_(std::move(path)), origin_(std::move(origin)) {}

  std::variant<std::monostate, StoreError> create_request(const AccessRequest& request,
                                                          const AuditEvent& event) override;
  std::optional<AccessRequest> get_request(std::string_view id) override;
  std::vector<AccessRequest> list_requests(const RequestFilter& filter) override;
  RequesterActivity requester_activity(std::string_view user, TimePoint now,
                                       TimePoint since) override;
  WriteResult update_request(const AccessRequest& updated,
                             const std::vector<AuditEvent>& events) override;
  std::vector<GrantRecord> active_grants(std::string_view user, TimePoint now) override;
  std::optional<int> take_use(std::string_view request_id, TimePoint now,
                              const std::function<AuditEvent(int)>& event) override;
  std::variant<std::monostate, StoreError> create_lock(const LockRecord& lock,
                                                       const AuditEvent& event) override;
  WriteResult remove_lock(std::string_view id, std::string_view by, TimePoint at,
                          const AuditEvent& event) override;
  std::vector<LockRecord> active_locks(TimePoint now) override;
  void append_audit(const AuditEvent& event) override;
  std::vector<AuditEvent> audit_since(TimePoint since) override;
  std::vector<AuditEvent> audit_of_kinds(const std::vector<std::string>& kinds,
                                         TimePoint since) override;
  std::optional<AuditEvent> latest_audit() override;
  std::vector<AuditEvent> audit_after(long after_id, std::size_t limit) override;
  void create_web_login(const WebLogin& login, TimePoint now) override;
  std::optional<WebLogin> take_web_login(std::string_view token_hash, TimePoint now) override;
  void create_web_session(const WebSession& session, TimePoint now) override;
  std::optional<WebSession> get_web_session(std::string_view id_hash, TimePoint now) override;
  void end_web_session(std::string_view id_hash) override;
  int end_web_sessions(std::string_view person) override;

 private:
  // "<doing> in <file> failed: <SQLite's reason>".
  std::string failure(std::string_view doing, const SqliteError& error) const {
    return std::string(doing) + " in " + path_ + " failed: " + error.what();
  }

  // Runs `body` under the lock; an SQLite failure becomes StoreFailure, except running out of
  // memory, which is std::bad_alloc like everywhere else.
  template <class Body>
  auto guarded(std::string_view doing, Body&& body) {
    std::lock_guard lock(mutex_);
    try {
      return body(db_.get());
    } catch (const SqliteError& error) {
      if (error.primary_code() == SQLITE_NOMEM) throw std::bad_alloc();
      throw StoreFailure(failure(doing, error));
    }
  }

  std::mutex mutex_;
  Database db_;
  std::string path_;
  std::string origin_;  // stamped on every audit event appended here
};

std::variant<std::monostate, StoreError> SqliteStore::create_request(const AccessRequest& request,
                                                                      const AuditEvent& event) {
  const std::string doing = "creating request " + request.id;
  if (request.state == RequestState::approved && !request.grant_expires) {
    return StoreError{doing + " in " + path_ + " failed: it is APPROVED without grant_expires"};
  }
  try {
    guarded(doing, [&](sqlite3* db) {
      Transaction transaction(db, Kind::write);
      // Always version 1, whatever request.version says: a new request has had no changes, and
      // the caller's next update_request must carry version 2.
      try {
        insert_request(db, request, 1);
      } catch (const SqliteError& error) {
        // The only primary key a new request can collide on is its id.
        if (error.code() != SQLITE_CONSTRAINT_PRIMARYKEY) throw;
        throw SqliteError(error.code(), "a request with this id exists already");
      }
      if (request.state == RequestState::approved) write_grants(db, request);
      insert_audit(db, event, origin_);
      transaction.commit();
    });
  } catch (const StoreFailure& failed) {
    return StoreError{failed.what()};
  }
  return std::monostate{};
}

std::optional<AccessRequest> SqliteStore::get_request(std::string_view id) {
  return guarded("reading request " + std::string(id), [&](sqlite3* db) {
    Transaction transaction(db, Kind::read);
    Statement select(db, std::string("SELECT ") + kRequestColumns + " FROM requests WHERE id = ?1");
    select.bind(1, id);
    std::optional<AccessRequest> request;
    if (select.step()) request = RequestReader(db).read(select);
    return request;
  });
}

std::vector<AccessRequest> SqliteStore::list_requests(const RequestFilter& filter) {
  return guarded("listing requests", [&](sqlite3* db) {
    Transaction transaction(db, Kind::read);
    // Only the filters that are set become conditions: "(?2 IS NULL OR state = ?2)" would keep
    // SQLite from using the state index, and a pending list would scan the whole history.
    std::string where;
    auto condition = [&where](const char* text) {
      where += (where.empty() ? " WHERE " : " AND ") + std::string(text);
    };
    if (filter.user) condition("user = ?1");
    if (filter.state) condition("state = ?2");
    if (filter.resolved_since) condition("resolved >= ?3");
    if (filter.awaiting_ratification) condition("ratification = 'AWAITING'");
    Statement select(db, std::string("SELECT ") + kRequestColumns + " FROM requests" + where +
                             " ORDER BY created DESC, id");
    if (filter.user) select.bind(1, *filter.user);
    if (filter.state) select.bind(2, to_string(*filter.state));
    if (filter.resolved_since) select.bind(3, millis_from(*filter.resolved_since));
    RequestReader reader(db);
    std::vector<AccessRequest> requests;
    while (select.step()) requests.push_back(reader.read(select));
    return requests;
  });
}

RequesterActivity SqliteStore::requester_activity(std::string_view user, TimePoint now,
                                                  TimePoint since) {
  return guarded("reading the requests of " + std::string(user), [&](sqlite3* db) {
    // One snapshot for both counts.
    Transaction transaction(db, Kind::read);
    RequesterActivity activity;
    Statement pending(db,
                      "SELECT count(*) FROM requests"
                      " WHERE state = 'PENDING' AND user = ?1 AND expires > ?2");
    pending.bind(1, user);
    pending.bind(2, to_millis(now));
    if (pending.step()) activity.pending = static_cast<int>(pending.integer(0));
    Statement created(db, "SELECT created FROM requests WHERE user = ?1 AND created >= ?2"
                          " ORDER BY created");
    created.bind(1, user);
    created.bind(2, millis_from(since));
    while (created.step()) activity.created.push_back(from_millis(created.integer(0)));
    return activity;
  });
}

WriteResult SqliteStore::update_request(const AccessRequest& updated,
                                        const std::vector<AuditEvent>& events) {
  // A caller bug rather than a storage failure: grants need an end.
  if (updated.state == RequestState::approved && !updated.grant_expires) {
    throw std::invalid_argument("update_request: request " + updated.id +
                                " is APPROVED without grant_expires");
  }
  return guarded("updating request " + updated.id, [&](sqlite3* db) {
    // IMMEDIATE: the version read below cannot change before this transaction writes.
    Transaction transaction(db, Kind::write);
    std::int64_t stored_version = 0;
    std::size_t stored_reviews = 0;
    {
      Statement current(db,
                        "SELECT version, (SELECT count(*) FROM reviews WHERE request_id = ?1) "
                        "FROM requests WHERE id = ?1");
      current.bind(1, updated.id);
      if (!current.step()) return WriteResult::not_found;
      stored_version = current.integer(0);
      stored_reviews = static_cast<std::size_t>(current.integer(1));
    }
    if (stored_version != static_cast<std::int64_t>(updated.version) - 1) {
      return WriteResult::conflict;
    }

    replace_request(db, updated);
    // Reviews already stored are history: only those beyond them are new.
    append_reviews(db, updated.id, updated.reviews, stored_reviews);
    if (updated.state == RequestState::approved) write_grants(db, updated);
    if (updated.state == RequestState::revoked || updated.state == RequestState::dropped) {
      end_grants(db, updated);
    }
    for (const AuditEvent& event : events) insert_audit(db, event, origin_);
    transaction.commit();
    return WriteResult::written;
  });
}

std::vector<GrantRecord> SqliteStore::active_grants(std::string_view user, TimePoint now) {
  return guarded("reading the grants of " + std::string(user), [&](sqlite3* db) {
    // A grant that expires at `now` is over: "expires" is the first moment it no longer holds.
    Statement select(db, std::string("SELECT ") + kGrantColumns +
                             " FROM grants JOIN requests ON requests.id = grants.request_id"
                             " WHERE grants.user = ?1 AND grants.expires > ?2"
                             " ORDER BY grants.expires, grants.role, grants.request_id");
    select.bind(1, user);
    select.bind(2, to_millis(now));
    std::vector<GrantRecord> grants;
    while (select.step()) grants.push_back(read_grant(select));
    return grants;
  });
}

std::optional<int> SqliteStore::take_use(std::string_view request_id, TimePoint now,
                                         const std::function<AuditEvent(int)>& event) {
  return guarded("taking a use of request " + std::string(request_id), [&](sqlite3* db) {
    Transaction transaction(db, Kind::write);
    // One conditional statement: of two logins racing for the last use, one changes no row.
    Statement take(db,
                   "UPDATE requests SET grant_uses_left = grant_uses_left - 1, version = version + 1"
                   " WHERE id = ?1 AND state = 'APPROVED' AND grant_uses_left > 0"
                   " AND grant_expires > ?2 RETURNING grant_uses_left");
    take.bind(1, request_id);
    take.bind(2, to_millis(now));
    std::optional<int> left;
    if (take.step()) left = static_cast<int>(take.integer(0));
    if (!left) return left;  // nothing taken: the transaction rolls back, nothing written
    take.reset();
    insert_audit(db, event(*left), origin_);
    transaction.commit();
    return left;
  });
}

// ---- Locks
std::variant<std::monostate, StoreError> SqliteStore::create_lock(const LockRecord& lock,
                                                                  const AuditEvent& event) {
  try {
    guarded("creating lock " + lock.id, [&](sqlite3* db) {
      Transaction transaction(db, Kind::write);
      Statement insert(db,
                       "INSERT INTO locks (id, user, target, role, reason, created_by, created, "
                       "expires, removed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)");
      insert.bind(1, lock.id);
      insert.bind(2, lock.user);
      insert.bind(3, lock.target);
      insert.bind(4, lock.role);
      insert.bind(5, lock.reason);
      insert.bind(6, lock.created_by);
      insert.bind(7, to_millis(lock.created));
      insert.bind(8, lock.expires ? std::optional<std::int64_t>(to_millis(*lock.expires))
                                  : std::nullopt);
      insert.run();
      insert_audit(db, event, origin_);
      transaction.commit();
    });
  } catch (const StoreFailure& failed) {
    return StoreError{failed.what()};
  }
  return std::monostate{};
}

WriteResult SqliteStore::remove_lock(std::string_view id, std::string_view by, TimePoint at,
                                     const AuditEvent& event) {
  return guarded("removing lock " + std::string(id), [&](sqlite3* db) {
    Transaction transaction(db, Kind::write);
    Statement update(db,
                     "UPDATE locks SET removed = ?2, removed_by = ?3 WHERE id = ?1 AND "
                     "removed IS NULL AND (expires IS NULL OR expires > ?2)");
    update.bind(1, id);
    update.bind(2, to_millis(at));
    update.bind(3, by);
    update.run();
    if (sqlite3_changes(db) == 0) return WriteResult::not_found;
    insert_audit(db, event, origin_);
    transaction.commit();
    return WriteResult::written;
  });
}

std::vector<LockRecord> SqliteStore::active_locks(TimePoint now) {
  return guarded("reading the locks", [&](sqlite3* db) {
    Statement select(db,
                     "SELECT id, user, target, role, reason, created_by, created, expires FROM locks"
                     " WHERE removed IS NULL AND (expires IS NULL OR expires > ?1)"
                     " ORDER BY created, id");
    select.bind(1, to_millis(now));
    std::vector<LockRecord> locks;
    while (select.step()) {
      LockRecord lock;
      lock.id = select.text(0);
      lock.user = select.text(1);
      lock.target = select.text(2);
      lock.role = select.text(3);
      lock.reason = select.text(4);
      lock.created_by = select.text(5);
      lock.created = from_millis(select.integer(6));
      if (auto expires = select.optional_integer(7)) lock.expires = from_millis(*expires);
      locks.push_back(std::move(lock));
    }
    return locks;
  });
}

void SqliteStore::append_audit(const AuditEvent& event) {
  guarded("appending the audit event " + event.kind, [&](sqlite3* db) {
    // A write transaction: the newest hash read and the insert must not straddle another
    // writer's append.
    Transaction transaction(db, Kind::write);
    insert_audit(db, event, origin_);
    transaction.commit();
  });
}

std::optional<AuditEvent> SqliteStore::latest_audit() {
  return guarded("reading the newest audit event", [&](sqlite3* db) {
    Statement select(db, std::string("SELECT ") + kAuditColumns +
                             " FROM audit ORDER BY id DESC LIMIT 1");
    std::optional<AuditEvent> event;
    if (select.step()) event = read_audit(select);
    return event;
  });
}

std::vector<AuditEvent> SqliteStore::audit_since(TimePoint since) {
  return guarded("reading the audit trail", [&](sqlite3* db) {
    Statement select(db, std::string("SELECT ") + kAuditColumns +
                             " FROM audit WHERE at >= ?1 ORDER BY id");
    select.bind(1, millis_from(since));
    std::vector<AuditEvent> events;
    while (select.step()) events.push_back(read_audit(select));
    return events;
  });
}

std::vector<AuditEvent> SqliteStore::audit_of_kinds(const std::vector<std::string>& kinds,
                                                    TimePoint since) {
  if (kinds.empty()) return {};
  return guarded("reading the audit trail", [&](sqlite3* db) {
    std::string in;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      in += (i ? ", ?" : "?") + std::to_string(i + 2);
    }
    Statement select(db, std::string("SELECT ") + kAuditColumns +
                             " FROM audit WHERE at >= ?1 AND kind IN (" + in + ") ORDER BY id");
    select.bind(1, millis_from(since));
    for (std::size_t i = 0; i < kinds.size(); ++i) select.bind(static_cast<int>(i + 2), kinds[i]);
    std::vector<AuditEvent> events;
    while (select.step()) events.push_back(read_audit(select));
    return events;
  });
}

std::vector<AuditEvent> SqliteStore::audit_after(long after_id, std::size_t limit) {
  if (limit == 0) return {};
  return guarded("reading the audit trail", [&](sqlite3* db) {
    // By the primary key: a page costs its own rows, however long the trail.
    Statement select(db, std::string("SELECT ") + kAuditColumns +
                             " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2");
    select.bind(1, static_cast<std::int64_t>(after_id));
    select.bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<AuditEvent> events;
    while (select.step()) events.push_back(read_audit(select));
    return events;
  });
}


// ---- The web page's links and sessions (storage/sqlite_web.cpp)
void SqliteStore::create_web_login(const WebLogin& login, TimePoint now) {
  guarded("storing a web login link", [&](sqlite3* c) { sqlite::create_web_login(c, login, now); });
}
std::optional<WebLogin> SqliteStore::take_web_login(std::string_view token_hash, TimePoint) {
  // An expired link is taken too: the caller says it has expired.
  return guarded("taking a web login link", [&](sqlite3* c) { return sqlite::take_web_login(c, token_hash); });
}
void SqliteStore::create_web_session(const WebSession& session, TimePoint now) {
  guarded("storing a web session", [&](sqlite3* c) { sqlite::create_web_session(c, session, now); });
}
std::optional<WebSession> SqliteStore::get_web_session(std::string_view id_hash, TimePoint now) {
  return guarded("reading a web session", [&](sqlite3* c) { return sqlite::get_web_session(c, id_hash, now); });
}
void SqliteStore::end_web_session(std::string_view id_hash) {
  guarded("ending a web session", [&](sqlite3* c) { sqlite::end_web_session(c, id_hash); });
}
int SqliteStore::end_web_sessions(std::string_view person) {
  return guarded("ending web sessions", [&](sqlite3* c) { return sqlite::end_web_sessions(c, person); });
}

}  // namespace

std::unique_ptr<Store> make_store(Database db, std::string path, std::string origin) {
  return std::make_unique<SqliteStore>(std::move(db), std::move(path), std::move(origin));
}

}  // namespace holdgate::storage::sqlite
