// Everything a store holds, read and written as rows are (ids, versions, hashes kept): what
// `holdgate storage copy` moves from SQLite to PostgreSQL. Deliberately apart from the narrow
// Store interface, which never reads everything nor writes a row as it was.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "storage/records.hpp"
#include "storage/store.hpp"

namespace holdgate::storage {

struct Contents {
  std::vector<AccessRequest> requests;  // with their reviews and versions
  std::vector<GrantRecord> grants;      // every grant, expired ones too
  std::vector<LockRecord> locks;        // every lock, removed ones too
  std::vector<AuditEvent> audit;        // in id order, with their hashes
};

struct Counts {
  std::size_t requests = 0, reviews = 0, grants = 0, locks = 0, audit = 0;
  bool operator==(const Counts&) const = default;
};

Counts count(const Contents& contents);

// The SQLite file at `path`, read in one snapshot; it must be at this build's schema (open it
// once with this holdgate otherwise). Never writes the file.
std::variant<Contents, StoreError> read_sqlite_contents(const std::string& path);

// Writes `contents` into the PostgreSQL database `dsn` (created or migrated to this build's
// schema) in one transaction, refusing a database that holds any request, lock or audit event;
// then counts what the database holds.
std::variant<Counts, StoreError> write_postgres_contents(const std::string& dsn,
                                                         const Contents& contents);

}  // namespace holdgate::storage
