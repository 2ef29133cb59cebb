// The SQLite schema as a list of migration steps, keyed by PRAGMA user_version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite_handles.hpp"
#include "storage/store.hpp"

namespace holdgate::storage::sqlite {

// PRAGMA application_id of a holdgate database ("Hgat"): tells our file from another program's.
inline constexpr std::int64_t kApplicationId = 0x48676174;

struct Migration {
  int version;      // user_version after this step
  const char* sql;  // one or more statements
  void (*after)(sqlite3*) = nullptr;  // work SQL cannot do (hashing), in the same transaction
};

// Every step, oldest first; step i brings a file from version i to i + 1. Append only: a step
// that has shipped never changes, because files out there were built by it.
const std::vector<Migration>& migrations();

// The newest schema version this build knows.
int latest_schema_version();

// Refuses a file that is another program's or is newer than this build. Reads only.
std::optional<StoreError> check_schema(sqlite3* db, const std::string& path);

// Checks again, then applies the missing steps, each in its own write transaction (another process may be opening the same file; it
// waits, then finds the work done). Throws SqliteError when SQLite fails.
std::optional<StoreError> migrate(sqlite3* db, const std::string& path);

}  // namespace holdgate::storage::sqlite
