// Records to rows and back. Every function runs inside a transaction the caller holds and throws
// SqliteError.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.hpp"
#include "storage/row_values.hpp"
#include "storage/sqlite_statement.hpp"

namespace holdgate::storage::sqlite {

// The request row, its roles and suggested reviewers, its reviews, at `version`.
void insert_request(sqlite3* db, const AccessRequest& request, std::int64_t version);

// Overwrites the row and its lists with `request` at request.version. Reviews are not touched:
// they are history, appended with append_reviews.
void replace_request(sqlite3* db, const AccessRequest& request);

// Appends reviews[from...] as review number from + 1, ...
void append_reviews(sqlite3* db, std::string_view request_id, const std::vector<Review>& reviews,
                    std::size_t from);

// One grant per role of an APPROVED request, expiring at its grant_expires. Writing the same
// request again updates its grants rather than doubling them.
void write_grants(sqlite3* db, const AccessRequest& request);

// Appends `event` to the hash chain (id, prev_hash and hash are the store's). The caller holds
// the write lock (a write Transaction) from before this reads the newest row until it commits.
// `origin` is the writing process's (AuditEvent::origin); event.origin is ignored.
void insert_audit(sqlite3* db, const AuditEvent& event, std::string_view origin);

// Chains the rows already in the audit table, in id order (the migration that added the chain).
void chain_existing_audit(sqlite3* db);

// The columns read_request expects, in order, for "SELECT <kRequestColumns> FROM requests ...".
extern const char* const kRequestColumns;

// Reads whole requests: the row, then its lists with statements prepared once per reader.
class RequestReader {
 public:
  explicit RequestReader(sqlite3* db);
  AccessRequest read(const Statement& row);

 private:
  Statement roles_;
  Statement reviewers_;
  Statement reviews_;
};

extern const char* const kAuditColumns;
AuditEvent read_audit(const Statement& row);
// Read from "grants JOIN requests ON requests.id = grants.request_id": a grant with its terms.
extern const char* const kGrantColumns;
GrantRecord read_grant(const Statement& row);

}  // namespace holdgate::storage::sqlite
