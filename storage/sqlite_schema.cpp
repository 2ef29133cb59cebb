#include "storage/sqlite_schema.hpp"

#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_statement.hpp"
#include "storage/sqlite_transaction.hpp"

namespace holdgate::storage::sqlite {

namespace {

// Times are INTEGER milliseconds since the Unix epoch. Lists are child tables keyed by position,
// so any string (newlines included) round-trips and order is kept.
constexpr const char* kTables = R"sql(
CREATE TABLE requests (
  id TEXT PRIMARY KEY NOT NULL,
  user TEXT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('PENDING', 'APPROVED', 'DENIED', 'EXPIRED', 'CANCELLED')),
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  max_duration_s INTEGER,
  resolved INTEGER,
  grant_expires INTEGER,
  resolution_reason TEXT NOT NULL,
  login TEXT NOT NULL,
  target TEXT NOT NULL,
  source TEXT NOT NULL,
  version INTEGER NOT NULL
) STRICT;

CREATE TABLE request_roles (
  request_id TEXT NOT NULL REFERENCES requests (id),
  position INTEGER NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (request_id, position)
) STRICT;

CREATE TABLE request_reviewers (
  request_id TEXT NOT NULL REFERENCES requests (id),
  position INTEGER NOT NULL,
  reviewer TEXT NOT NULL,
  PRIMARY KEY (request_id, position)
) STRICT;

CREATE TABLE reviews (
  request_id TEXT NOT NULL REFERENCES requests (id),
  seq INTEGER NOT NULL,
  reviewer TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('APPROVE', 'DENY')),
  reason TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (request_id, seq),
  UNIQUE (request_id, reviewer)
) STRICT;

CREATE TABLE grants (
  user TEXT NOT NULL,
  role TEXT NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests (id),
  expires INTEGER NOT NULL,
  PRIMARY KEY (request_id, role)
) STRICT;

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL
) STRICT;
)sql";

// Separate from the tables so that the upgrade path is exercised from the first release on
// (tests build a version-1 file and open it).
constexpr const char* kIndexes = R"sql(
CREATE INDEX requests_by_created ON requests (created DESC, id);
CREATE INDEX requests_by_user ON requests (user, created DESC);
CREATE INDEX grants_by_user ON grants (user, expires);
CREATE INDEX audit_by_time ON audit (at);
)sql";

// Listing what is PENDING (menus, expiry, the per-person limits) reads only pending rows.
constexpr const char* kStateIndex = R"sql(
CREATE INDEX requests_by_state ON requests (state, created DESC, id);
)sql";

// Scoped grants (one login on one target). Rows written before it default to '' and stay
// role-wide grants, which is what they were.
constexpr const char* kGrantScope = R"sql(
ALTER TABLE grants ADD COLUMN login TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN target TEXT NOT NULL DEFAULT '';
)sql";

// Taking access back (issue 12, section 2): REVOKED and DROPPED join the request states, and
// incident locks get a table. SQLite cannot change a CHECK in place, so the requests table is
// rebuilt; the child tables keep pointing at it by name, and deferring the foreign-key checks
// to COMMIT lets the rows step out and back in within the one migration transaction.
constexpr const char* kTakingBack = R"sql(
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE requests_before_4 AS SELECT * FROM requests;
DROP TABLE requests;
CREATE TABLE requests (
  id TEXT PRIMARY KEY NOT NULL,
  user TEXT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('PENDING', 'APPROVED', 'DENIED', 'EXPIRED', 'CANCELLED', 'REVOKED',
                     'DROPPED')),
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  max_duration_s INTEGER,
  resolved INTEGER,
  grant_expires INTEGER,
  resolution_reason TEXT NOT NULL,
  login TEXT NOT NULL,
  target TEXT NOT NULL,
  source TEXT NOT NULL,
  version INTEGER NOT NULL
) STRICT;
INSERT INTO requests SELECT * FROM requests_before_4;
DROP TABLE requests_before_4;
CREATE INDEX requests_by_created ON requests (created DESC, id);
CREATE INDEX requests_by_user ON requests (user, created DESC);
CREATE INDEX requests_by_state ON requests (state, created DESC, id);

CREATE TABLE locks (
  id TEXT PRIMARY KEY NOT NULL,
  user TEXT NOT NULL,
  target TEXT NOT NULL,
  role TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER,
  removed INTEGER,
  removed_by TEXT NOT NULL DEFAULT ''
) STRICT;
)sql";

// Issue 12, section 3: how a grant ends besides its expiry (`grant:` of its roles). NULL uses:
// unlimited; grant_uses_left is what Store::take_use decrements.
constexpr const char* kGrantTerms = R"sql(
ALTER TABLE requests ADD COLUMN grant_until_session_end INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN grant_uses INTEGER;
ALTER TABLE requests ADD COLUMN grant_uses_left INTEGER;
)sql";

// The audit hash chain (issue 13, section 3; storage/audit_chain.hpp). Rows already there are
// chained in id order by chain_existing_audit, in this migration's transaction.
constexpr const char* kAuditChain = R"sql(
ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
)sql";

// Finding sessions (session.ended) without reading the whole audit trail.
constexpr const char* kAuditByKind = R"sql(
CREATE INDEX audit_by_kind ON audit (kind, at);
)sql";

// Several bastions on one database (issue 14): which holdgate process wrote each event, so the
// change feed skips a process's own. Rows from before it have no origin: every process takes
// them for another's, which only matters to events written before the upgrade, never read.
constexpr const char* kAuditOrigin = R"sql(
ALTER TABLE audit ADD COLUMN origin TEXT NOT NULL DEFAULT '';
)sql";

struct Header {
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  bool has_objects = false;
};

// Call inside a transaction: three separate reads could straddle another process's migration
// and see its tables without its application_id.
Header read_header(sqlite3* db) {
  Header header;
  header.application_id = query_integer(db, "PRAGMA application_id");
  header.user_version = query_integer(db, "PRAGMA user_version");
  header.has_objects = query_integer(db, "SELECT count(*) FROM sqlite_schema") > 0;
  return header;
}

Header read_header_snapshot(sqlite3* db) {
  Transaction snapshot(db, Transaction::Kind::read);
  return read_header(db);
}

std::optional<StoreError> refusal(const Header& header, const std::string& path) {
  if (header.application_id != 0 && header.application_id != kApplicationId) {
    return StoreError{"the database " + path +
                      " belongs to another program (SQLite application_id " +
                      std::to_string(header.application_id) + "); refusing to open it"};
  }
  // An SQLite file with content but without our mark: writing our tables into it would mix two
  // programs' data in one file.
  if (header.application_id == 0 && (header.has_objects || header.user_version != 0)) {
    return StoreError{"the database " + path +
                      " is an SQLite database but not a holdgate one; refusing to open it"};
  }
  if (header.user_version > latest_schema_version()) {
    return StoreError{"the database " + path + " was written by a newer holdgate (schema " +
                      std::to_string(header.user_version) + ", this build knows up to " +
                      std::to_string(latest_schema_version()) + "); refusing to open it"};
  }
  return std::nullopt;
}

// Hooks that must answer first (issue 12, section 5): the approval hooks that have answered a
// request, newline-separated names. Requests stored before it had none recorded.
constexpr const char* kHookAnswers = R"sql(
ALTER TABLE requests ADD COLUMN hooks_answered TEXT NOT NULL DEFAULT '';
)sql";

// Break-glass (issue 12, section 4): a request's ratification state ('' for an ordinary
// request) and its deadline (epoch milliseconds, set while AWAITING).
constexpr const char* kBreakGlass = R"sql(
ALTER TABLE requests ADD COLUMN ratification TEXT NOT NULL DEFAULT ''
  CHECK (ratification IN ('', 'AWAITING', 'RATIFIED', 'REJECTED', 'UNRATIFIED'));
ALTER TABLE requests ADD COLUMN ratify_by INTEGER;
)sql";

// The reviewer web page (issue 17): one-time login links and browser sessions, by the SHA-256
// of their secret (storage/web_tables.hpp).
constexpr const char* kWebSessions = R"sql(
CREATE TABLE web_logins (
  token_hash TEXT PRIMARY KEY,
  person TEXT NOT NULL,
  expires INTEGER NOT NULL
) STRICT;
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY,
  person TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL
) STRICT;
CREATE INDEX web_sessions_by_person ON web_sessions (person);
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> steps{
      {1, kTables},
      {2, kIndexes},
      {3, kStateIndex},
      {4, kGrantScope},
      {5, kTakingBack},
      {6, kHookAnswers},
      {7, kBreakGlass},
      {8, kGrantTerms},
      {9, kAuditChain, chain_existing_audit},
      {10, kAuditByKind},
      {11, kAuditOrigin},
      {12, kWebSessions},
  };
  return steps;
}

int latest_schema_version() { return migrations().back().version; }

std::optional<StoreError> check_schema(sqlite3* db, const std::string& path) {
  return refusal(read_header_snapshot(db), path);
}

std::optional<StoreError> migrate(sqlite3* db, const std::string& path) {
  // The common case, an up-to-date file, is checked without taking the write lock.
  Header header = read_header_snapshot(db);
  if (auto refused = refusal(header, path)) return refused;
  if (header.user_version == latest_schema_version()) return std::nullopt;

  for (;;) {
    Transaction transaction(db, Transaction::Kind::write);
    // Read again under the lock: another process may have migrated since.
    header = read_header(db);
    if (auto refused = refusal(header, path)) return refused;
    if (header.user_version == latest_schema_version()) return std::nullopt;

    const Migration& step = migrations()[static_cast<std::size_t>(header.user_version)];
    exec(db, step.sql);
    if (step.after) step.after(db);
    // PRAGMA values cannot be bound; both are our own integers.
    exec(db, "PRAGMA application_id = " + std::to_string(kApplicationId));
    exec(db, "PRAGMA user_version = " + std::to_string(step.version));
    transaction.commit();
  }
}

}  // namespace holdgate::storage::sqlite
