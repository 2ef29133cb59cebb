// Records to PostgreSQL rows and back. Every function runs inside a transaction the caller holds
// and throws PostgresError.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/postgres_handles.hpp"
#include "storage/records.hpp"

namespace holdgate::storage::postgres {

// The request row, its roles and suggested reviewers, its reviews, at `version`.
void insert_request(PGconn* conn, const AccessRequest& request, std::int64_t version);

// Overwrites the row and its lists with `request` at request.version. Reviews are not touched:
// they are history, appended with append_reviews.
void replace_request(PGconn* conn, const AccessRequest& request);

// Appends reviews[from...] as review number from + 1, ...
void append_reviews(PGconn* conn, std::string_view request_id, const std::vector<Review>& reviews,
                    std::size_t from);

// One grant per role of an APPROVED request, expiring at its grant_expires (written again: moved).
void write_grants(PGconn* conn, const AccessRequest& request);

// Appends `event` to the hash chain: the UPDATE of audit_head locks the head row until the
// caller's transaction ends, so appends from every connection queue up and the chain cannot
// fork; a rollback takes the id back with it.
// Also NOTIFYs holdgate_changes, delivered to every LISTENing bastion when (and only if) the
// transaction commits: their change feeds read the trail then (proxy/postgres_wakeup.hpp).
void insert_audit(PGconn* conn, const AuditEvent& event, std::string_view origin);

// Inserts `lock` with every column as given (a new lock: not removed; a copied one: as it was).
void insert_lock(PGconn* conn, const LockRecord& lock);

// "SELECT <kRequestColumns> FROM requests ..." rows as whole requests (their lists read too).
extern const char* const kRequestColumns;
std::vector<AccessRequest> read_requests(PGconn* conn, const Result& rows);

extern const char* const kAuditColumns;
std::vector<AuditEvent> read_audit(const Result& rows);
// Read from "grants JOIN requests ON requests.id = grants.request_id": a grant with its terms.
extern const char* const kGrantColumns;
std::vector<GrantRecord> read_grants(const Result& rows);
extern const char* const kLockColumns;
std::vector<LockRecord> read_locks(const Result& rows);

}  // namespace holdgate::storage::postgres
