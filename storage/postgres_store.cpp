// The PostgreSQL Store: one connection, opened again by the next call after it was lost.
#include <mutex>
#include <stdexcept>
#include <utility>

#include <poll.h>

#include "storage/postgres_connect.hpp"
#include "storage/postgres_rows.hpp"
#include "storage/row_values.hpp"
#include "storage/web_tables.hpp"

namespace holdgate::storage {

namespace {

using postgres::Params;
using postgres::PostgresError;
using postgres::Result;
using postgres::run;
using Kind = postgres::Transaction::Kind;

// One connection, used by one thread at a time (a transaction spans several statements on it).
// Several Stores, in one process or on several bastions, are kept apart by PostgreSQL's row
// locks: the request row (FOR UPDATE) for a compare-and-swap, the audit_head row for the chain.
bool has_input(int fd) {
  pollfd probe{fd, POLLIN, 0};
  return fd < 0 || ::poll(&probe, 1, 0) != 0;
}

class PostgresStore final : public Store {
 public:
  PostgresStore(postgres::Connection conn, std::string dsn, std::string origin)
      : conn_(std::move(conn)), dsn_(std::move(dsn)), where_(postgres::describe_dsn(dsn_)),
        origin_(std::move(origin)) {}

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
  // Runs `body` under the lock on a live connection (connecting first when the last one was
  // lost). A lost connection becomes "cannot reach its database ..." and is dropped, so the
  // next call connects again; any other database failure names the operation.
  template <class Body>
  auto guarded(std::string_view doing, Body&& body) {
    std::lock_guard lock(mutex_);
    // Between calls the server has nothing to say, unless it is going away: a restart or an
    // administrator ends the connection with a last message and a close. Anything readable on
    // an idle connection (a zero-timeout poll, no waiting) means this call connects again rather
    // than failing on a connection that is gone.
    if (conn_ && (PQstatus(conn_.get()) != CONNECTION_OK || has_input(PQsocket(conn_.get())))) {
      conn_.reset();
    }
    if (!conn_) {
      conn_.reset();
      auto connected = postgres::connect(dsn_);
      if (auto* error = std::get_if<StoreError>(&connected)) throw StoreFailure(error->message);
      conn_ = std::move(std::get<postgres::Connection>(connected));
    }
    try {
      return body(conn_.get());
    } catch (const PostgresError& error) {
      if (error.connection_lost() || PQstatus(conn_.get()) != CONNECTION_OK) {
        conn_.reset();
        throw StoreFailure("cannot reach its database " + where_ + " (" + std::string(doing) +
                           "): " + error.what());
      }
      throw StoreFailure(std::string(doing) + " in " + where_ + " failed: " + error.what());
    }
  }

  std::mutex mutex_;
  postgres::Connection conn_;
  std::string dsn_;
  std::string where_;
  std::string origin_;  // stamped on every audit event appended here
};

std::variant<std::monostate, StoreError> PostgresStore::create_request(
    const AccessRequest& request, const AuditEvent& event) {
  const std::string doing = "creating request " + request.id;
  if (request.state == RequestState::approved && !request.grant_expires) {
    return StoreError{doing + " in " + where_ + " failed: it is APPROVED without grant_expires"};
  }
  try {
    guarded(doing, [&](PGconn* conn) {
      postgres::Transaction transaction(conn, Kind::write);
      try {
        // Always version 1: the caller's next update_request must carry version 2.
        postgres::insert_request(conn, request, 1);
      } catch (const PostgresError& error) {
        if (error.sqlstate() != postgres::kUniqueViolation) throw;
        throw PostgresError(error.sqlstate(), false, "a request with this id exists already");
      }
      if (request.state == RequestState::approved) postgres::write_grants(conn, request);
      postgres::insert_audit(conn, event, origin_);
      transaction.commit();
    });
  } catch (const StoreFailure& failed) {
    return StoreError{failed.what()};
  }
  return std::monostate{};
}

std::optional<AccessRequest> PostgresStore::get_request(std::string_view id) {
  return guarded("reading request " + std::string(id), [&](PGconn* conn) {
    postgres::Transaction transaction(conn, Kind::read);
    Result rows = run(conn,
                      std::string("SELECT ") + postgres::kRequestColumns +
                          " FROM requests WHERE id = $1",
                      Params().text(id));
    auto requests = postgres::read_requests(conn, rows);
    std::optional<AccessRequest> request;
    if (!requests.empty()) request = std::move(requests.front());
    return request;
  });
}

std::vector<AccessRequest> PostgresStore::list_requests(const RequestFilter& filter) {
  return guarded("listing requests", [&](PGconn* conn) {
    postgres::Transaction transaction(conn, Kind::read);
    std::string where;
    Params params;
    auto condition = [&](const std::string& text) {
      where += (where.empty() ? " WHERE " : " AND ") + text;
    };
    auto next = [&params] { return "$" + std::to_string(params.size()); };
    if (filter.user) {
      params.text(*filter.user);
      condition("user_name = " + next());
    }
    if (filter.state) {
      params.text(to_string(*filter.state));
      condition("state = " + next());
    }
    if (filter.resolved_since) {
      params.integer(millis_from(*filter.resolved_since));
      condition("resolved >= " + next());
    }
    if (filter.awaiting_ratification) condition("ratification = 'AWAITING'");
    // COLLATE "C": ids ordered by their bytes, as SQLite orders them, whatever the locale.
    Result rows = run(conn,
                      std::string("SELECT ") + postgres::kRequestColumns + " FROM requests" +
                          where + " ORDER BY created DESC, id COLLATE \"C\"",
                      params);
    return postgres::read_requests(conn, rows);
  });
}

RequesterActivity PostgresStore::requester_activity(std::string_view user, TimePoint now,
                                                    TimePoint since) {
  return guarded("reading the requests of " + std::string(user), [&](PGconn* conn) {
    postgres::Transaction transaction(conn, Kind::read);  // one snapshot for both counts
    RequesterActivity activity;
    Result pending = run(conn,
                         "SELECT count(*) FROM requests"
                         " WHERE state = 'PENDING' AND user_name = $1 AND expires > $2",
                         Params().text(user).integer(to_millis(now)));
    activity.pending = static_cast<int>(pending.integer(0, 0));
    Result created = run(conn,
                         "SELECT created FROM requests WHERE user_name = $1 AND created >= $2"
                         " ORDER BY created",
                         Params().text(user).integer(millis_from(since)));
    for (int r = 0; r < created.rows(); ++r) {
      activity.created.push_back(from_millis(created.integer(r, 0)));
    }
    return activity;
  });
}

WriteResult PostgresStore::update_request(const AccessRequest& updated,
                                          const std::vector<AuditEvent>& events) {
  if (updated.state == RequestState::approved && !updated.grant_expires) {
    throw std::invalid_argument("update_request: request " + updated.id +
                                " is APPROVED without grant_expires");
  }
  return guarded("updating request " + updated.id, [&](PGconn* conn) {
    postgres::Transaction transaction(conn, Kind::write);
    // FOR UPDATE: a concurrent writer of this request waits here until this one commits, then
    // reads the version it wrote (and conflicts).
    Result current = run(conn, "SELECT version FROM requests WHERE id = $1 FOR UPDATE",
                         Params().text(updated.id));
    if (current.rows() == 0) return WriteResult::not_found;
    if (current.integer(0, 0) != static_cast<std::int64_t>(updated.version) - 1) {
      return WriteResult::conflict;
    }
    // A statement of its own, after the lock: it sees the reviews the last writer committed.
    Result reviews = run(conn, "SELECT count(*) FROM reviews WHERE request_id = $1",
                         Params().text(updated.id));
    const auto stored_reviews = static_cast<std::size_t>(reviews.integer(0, 0));

    postgres::replace_request(conn, updated);
    postgres::append_reviews(conn, updated.id, updated.reviews, stored_reviews);
    if (updated.state == RequestState::approved) postgres::write_grants(conn, updated);
    if (updated.state == RequestState::revoked || updated.state == RequestState::dropped) {
      // Kept as rows, for the record, but no longer active.
      run(conn, "UPDATE grants SET expires = least(expires, $2) WHERE request_id = $1",
          Params().text(updated.id).integer(to_millis(updated.grant_expires.value_or(Clock::now()))));
    }
    for (const AuditEvent& event : events) postgres::insert_audit(conn, event, origin_);
    transaction.commit();
    return WriteResult::written;
  });
}

std::vector<GrantRecord> PostgresStore::active_grants(std::string_view user, TimePoint now) {
  return guarded("reading the grants of " + std::string(user), [&](PGconn* conn) {
    Result rows = run(conn,
                      std::string("SELECT ") + postgres::kGrantColumns +
                          " FROM grants JOIN requests ON requests.id = grants.request_id"
                          " WHERE grants.user_name = $1 AND grants.expires > $2 ORDER BY"
                          " grants.expires, grants.role COLLATE \"C\", grants.request_id COLLATE \"C\"",
                      Params().text(user).integer(to_millis(now)));
    return postgres::read_grants(rows);
  });
}

std::optional<int> PostgresStore::take_use(std::string_view request_id, TimePoint now,
                                           const std::function<AuditEvent(int)>& event) {
  return guarded("taking a use of request " + std::string(request_id), [&](PGconn* conn) {
    postgres::Transaction transaction(conn, Kind::write);
    // One conditional statement: of two logins racing for the last use, the second waits for
    // the first's row lock, re-checks the condition on what it wrote, and changes nothing.
    Result taken = run(conn,
                       "UPDATE requests SET grant_uses_left = grant_uses_left - 1,"
                       " version = version + 1 WHERE id = $1 AND state = 'APPROVED'"
                       " AND grant_uses_left > 0 AND grant_expires > $2 RETURNING grant_uses_left",
                       Params().text(request_id).integer(to_millis(now)));
    std::optional<int> left;
    if (taken.rows() == 0) return left;  // rolled back: nothing written
    left = static_cast<int>(taken.integer(0, 0));
    postgres::insert_audit(conn, event(*left), origin_);
    transaction.commit();
    return left;
  });
}

std::variant<std::monostate, StoreError> PostgresStore::create_lock(const LockRecord& lock,
                                                                    const AuditEvent& event) {
  try {
    guarded("creating lock " + lock.id, [&](PGconn* conn) {
      postgres::Transaction transaction(conn, Kind::write);
      postgres::insert_lock(conn, lock);
      postgres::insert_audit(conn, event, origin_);
      transaction.commit();
    });
  } catch (const StoreFailure& failed) {
    return StoreError{failed.what()};
  }
  return std::monostate{};
}

WriteResult PostgresStore::remove_lock(std::string_view id, std::string_view by, TimePoint at,
                                       const AuditEvent& event) {
  return guarded("removing lock " + std::string(id), [&](PGconn* conn) {
    postgres::Transaction transaction(conn, Kind::write);
    Result removed = run(conn,
                         "UPDATE locks SET removed = $2, removed_by = $3 WHERE id = $1 AND"
                         " removed IS NULL AND (expires IS NULL OR expires > $2)",
                         Params().text(id).integer(to_millis(at)).text(by));
    if (removed.affected() == 0) return WriteResult::not_found;
    postgres::insert_audit(conn, event, origin_);
    transaction.commit();
    return WriteResult::written;
  });
}

std::vector<LockRecord> PostgresStore::active_locks(TimePoint now) {
  return guarded("reading the locks", [&](PGconn* conn) {
    Result rows = run(conn,
                      std::string("SELECT ") + postgres::kLockColumns +
                          " FROM locks WHERE removed IS NULL AND (expires IS NULL OR expires > $1)"
                          " ORDER BY created, id COLLATE \"C\"",
                      Params().integer(to_millis(now)));
    return postgres::read_locks(rows);
  });
}

void PostgresStore::append_audit(const AuditEvent& event) {
  guarded("appending the audit event " + event.kind, [&](PGconn* conn) {
    postgres::Transaction transaction(conn, Kind::write);
    postgres::insert_audit(conn, event, origin_);
    transaction.commit();
  });
}

std::vector<AuditEvent> PostgresStore::audit_since(TimePoint since) {
  return guarded("reading the audit trail", [&](PGconn* conn) {
    Result rows = run(conn,
                      std::string("SELECT ") + postgres::kAuditColumns +
                          " FROM audit WHERE at >= $1 ORDER BY id",
                      Params().integer(millis_from(since)));
    return postgres::read_audit(rows);
  });
}

std::vector<AuditEvent> PostgresStore::audit_of_kinds(const std::vector<std::string>& kinds,
                                                      TimePoint since) {
  if (kinds.empty()) return {};
  return guarded("reading the audit trail", [&](PGconn* conn) {
    Params params;
    params.integer(millis_from(since));
    std::string in;
    for (const auto& kind : kinds) {
      params.text(kind);
      in += (in.empty() ? "$" : ", $") + std::to_string(params.size());
    }
    Result rows = run(conn,
                      std::string("SELECT ") + postgres::kAuditColumns +
                          " FROM audit WHERE at >= $1 AND kind IN (" + in + ") ORDER BY id",
                      params);
    return postgres::read_audit(rows);
  });
}

std::optional<AuditEvent> PostgresStore::latest_audit() {
  return guarded("reading the newest audit event", [&](PGconn* conn) {
    Result rows = run(conn, std::string("SELECT ") + postgres::kAuditColumns +
                                " FROM audit ORDER BY id DESC LIMIT 1");
    auto events = postgres::read_audit(rows);
    std::optional<AuditEvent> event;
    if (!events.empty()) event = std::move(events.front());
    return event;
  });
}

std::vector<AuditEvent> PostgresStore::audit_after(long after_id, std::size_t limit) {
  if (limit == 0) return {};
  return guarded("reading the audit trail", [&](PGconn* conn) {
    // By the primary key: a page costs its own rows, however long the trail.
    Result rows = run(conn,
                      std::string("SELECT ") + postgres::kAuditColumns +
                          " FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
                      Params().integer(after_id).integer(static_cast<std::int64_t>(
                                    std::min<std::size_t>(limit, INT64_MAX))));
    return postgres::read_audit(rows);
  });
}


// ---- The web page's links and sessions (storage/postgres_web.cpp)
void PostgresStore::create_web_login(const WebLogin& login, TimePoint now) {
  guarded("storing a web login link", [&](PGconn* c) { postgres::create_web_login(c, login, now); });
}
std::optional<WebLogin> PostgresStore::take_web_login(std::string_view token_hash, TimePoint) {
  // An expired link is taken too: the caller says it has expired.
  return guarded("taking a web login link", [&](PGconn* c) { return postgres::take_web_login(c, token_hash); });
}
void PostgresStore::create_web_session(const WebSession& session, TimePoint now) {
  guarded("storing a web session", [&](PGconn* c) { postgres::create_web_session(c, session, now); });
}
std::optional<WebSession> PostgresStore::get_web_session(std::string_view id_hash, TimePoint now) {
  return guarded("reading a web session", [&](PGconn* c) { return postgres::get_web_session(c, id_hash, now); });
}
void PostgresStore::end_web_session(std::string_view id_hash) {
  guarded("ending a web session", [&](PGconn* c) { postgres::end_web_session(c, id_hash); });
}
int PostgresStore::end_web_sessions(std::string_view person) {
  return guarded("ending web sessions", [&](PGconn* c) { return postgres::end_web_sessions(c, person); });
}

}  // namespace

std::variant<std::unique_ptr<Store>, StoreError> open_postgres_store(const std::string& dsn,
                                                                     std::string origin) {
  auto connected = postgres::connect(dsn);
  if (auto* error = std::get_if<StoreError>(&connected)) return *error;
  return std::make_unique<PostgresStore>(std::move(std::get<postgres::Connection>(connected)),
                                         dsn, std::move(origin));
}

}  // namespace holdgate::storage
