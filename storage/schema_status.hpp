// Whether a database is one this build can use, found by looking only: nothing is created or
// migrated (holdgate doctor and check-config; the server migrates when it opens the store).
#pragma once

#include <string>
#include <variant>

#include "storage/store.hpp"

namespace holdgate::storage {

// A description for the "ok" line ("schema 12, current", "schema 9, migrated to 12 at start",
// "not created yet"), or why serve would refuse the file (another program's, a newer schema).
std::variant<std::string, StoreError> sqlite_schema_status(const std::string& path);

// The same for PostgreSQL: reachable (a connection within the DSN's or a 3 s timeout) and a
// schema this build knows. Reads the holdgate_schema table only.
std::variant<std::string, StoreError> postgres_schema_status(const std::string& dsn);

}  // namespace holdgate::storage
