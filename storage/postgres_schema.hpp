// The PostgreSQL schema and its migrations. Like SQLite's (sqlite_schema.hpp): numbered steps,
// each applied once in its own transaction, the version kept in the database (the one-row table
// holdgate_schema), and a database from a newer holdgate refused. Several bastions starting at
// once migrate one after the other: the steps run under an advisory lock.
#pragma once

#include <optional>
#include <string>

#include "storage/postgres_handles.hpp"
#include "storage/store.hpp"

namespace holdgate::storage::postgres {

int latest_schema_version();

// Brings the database up to latest_schema_version(); a refusal (newer schema) as StoreError,
// naming `where` (the DSN without its password). Throws PostgresError when the database fails.
std::optional<StoreError> migrate(PGconn* conn, const std::string& where);

}  // namespace holdgate::storage::postgres
