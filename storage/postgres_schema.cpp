#include "storage/postgres_schema.hpp"

#include <vector>

namespace holdgate::storage::postgres {

namespace {

// The same records as SQLite's schema at its version 10, in one step: times are BIGINT
// milliseconds since the Unix epoch (the audit hash covers `at` as stored, so a trail copied
// between backends verifies on both), lists are child tables keyed by position. "user" is a
// reserved word in PostgreSQL: the columns are user_name. The free text people type (reasons)
// and the audit details are BYTEA: TEXT refuses NUL and invalid UTF-8, and every byte must be
// kept exactly (what is stored is what the hash covers).
constexpr const char* kTables = R"sql(
CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  user_name TEXT NOT NULL,
  reason BYTEA NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('PENDING', 'APPROVED', 'DENIED', 'EXPIRED', 'CANCELLED',
                                        'REVOKED', 'DROPPED')),
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL,
  max_duration_s BIGINT,
  resolved BIGINT,
  grant_expires BIGINT,
  resolution_reason BYTEA NOT NULL,
  login TEXT NOT NULL,
  target TEXT NOT NULL,
  source TEXT NOT NULL,
  version BIGINT NOT NULL,
  hooks_answered TEXT NOT NULL DEFAULT '',
  ratification TEXT NOT NULL DEFAULT ''
    CHECK (ratification IN ('', 'AWAITING', 'RATIFIED', 'REJECTED', 'UNRATIFIED')),
  ratify_by BIGINT,
  grant_until_session_end BOOLEAN NOT NULL DEFAULT FALSE,
  grant_uses INTEGER,
  grant_uses_left INTEGER
);
CREATE INDEX requests_by_created ON requests (created DESC, id);
CREATE INDEX requests_by_user ON requests (user_name, created DESC);
CREATE INDEX requests_by_state ON requests (state, created DESC, id);

CREATE TABLE request_roles (
  request_id TEXT NOT NULL REFERENCES requests (id),
  position INTEGER NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (request_id, position)
);

CREATE TABLE request_reviewers (
  request_id TEXT NOT NULL REFERENCES requests (id),
  position INTEGER NOT NULL,
  reviewer TEXT NOT NULL,
  PRIMARY KEY (request_id, position)
);

CREATE TABLE reviews (
  request_id TEXT NOT NULL REFERENCES requests (id),
  seq INTEGER NOT NULL,
  reviewer TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('APPROVE', 'DENY')),
  reason BYTEA NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (request_id, seq),
  UNIQUE (request_id, reviewer)
);

CREATE TABLE grants (
  user_name TEXT NOT NULL,
  role TEXT NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests (id),
  expires BIGINT NOT NULL,
  login TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (request_id, role)
);
CREATE INDEX grants_by_user ON grants (user_name, expires);

CREATE TABLE locks (
  id TEXT PRIMARY KEY,
  user_name TEXT NOT NULL,
  target TEXT NOT NULL,
  role TEXT NOT NULL,
  reason BYTEA NOT NULL,
  created_by TEXT NOT NULL,
  created BIGINT NOT NULL,
  expires BIGINT,
  removed BIGINT,
  removed_by TEXT NOT NULL DEFAULT ''
);

-- Ids are given by the store, not by a SEQUENCE: a sequence skips the ids of rolled-back
-- transactions, and the chain's ids are gap-free.
CREATE TABLE audit (
  id BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  subject TEXT NOT NULL,
  details BYTEA NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  -- The holdgate process that wrote it (not hashed): the change feed skips its own.
  origin TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_kind ON audit (kind, at);

-- The chain's head: the newest id and hash. Every append locks this one row (UPDATE), so
-- appends from every bastion queue up here and nowhere else.
CREATE TABLE audit_head (
  only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
  id BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, hash)
  VALUES (0, '0000000000000000000000000000000000000000000000000000000000000000');
)sql";

// The reviewer web page (issue 17): one-time login links and browser sessions, by the SHA-256
// of their secret, shared by every bastion (storage/web_tables.hpp).
constexpr const char* kWebSessions = R"sql(
CREATE TABLE web_logins (
  token_hash TEXT PRIMARY KEY,
  person TEXT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY,
  person TEXT NOT NULL,
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX web_sessions_by_person ON web_sessions (person);
)sql";

const std::vector<const char*>& steps() {
  static const std::vector<const char*> all{kTables, kWebSessions};
  return all;
}

// Any constant both sides agree on: holdgate's SQLite application_id, "hgat".
constexpr std::int64_t kMigrationLock = 0x68676174;

std::optional<std::int64_t> stored_version(PGconn* conn) {
  Result exists = run(conn, "SELECT to_regclass('holdgate_schema') IS NOT NULL");
  if (exists.text(0, 0) != "t") return std::nullopt;
  Result version = run(conn, "SELECT version FROM holdgate_schema");
  if (version.rows() == 0) return 0;
  return version.integer(0, 0);
}

std::optional<StoreError> refusal(std::int64_t version, const std::string& where) {
  if (version <= latest_schema_version()) return std::nullopt;
  return StoreError{"the database " + where + " was written by a newer holdgate (schema " +
                    std::to_string(version) + ", this build knows up to " +
                    std::to_string(latest_schema_version()) + "); refusing to open it"};
}

}  // namespace

int latest_schema_version() { return static_cast<int>(steps().size()); }

std::optional<StoreError> migrate(PGconn* conn, const std::string& where) {
  // The common case, an up-to-date database, is checked without the lock.
  if (auto version = stored_version(conn)) {
    if (auto refused = refusal(*version, where)) return refused;
    if (*version == latest_schema_version()) return std::nullopt;
  }
  for (;;) {
    Transaction transaction(conn, Transaction::Kind::write);
    run(conn, "SELECT pg_advisory_xact_lock($1)", Params().integer(kMigrationLock));
    // Read again under the lock: another bastion may have migrated since.
    std::int64_t version = stored_version(conn).value_or(0);
    if (auto refused = refusal(version, where)) return refused;
    if (version == latest_schema_version()) return std::nullopt;
    if (version == 0) {
      exec(conn, "CREATE TABLE IF NOT EXISTS holdgate_schema (version INTEGER NOT NULL)");
      exec(conn, "DELETE FROM holdgate_schema");
      exec(conn, "INSERT INTO holdgate_schema VALUES (0)");
    }
    exec(conn, steps()[static_cast<std::size_t>(version)]);
    run(conn, "UPDATE holdgate_schema SET version = $1", Params().integer(version + 1));
    transaction.commit();
  }
}

}  // namespace holdgate::storage::postgres
