// The one place that picks the storage backend from the config (`storage:`): SQLite at
// <state_dir>/holdgate.db when nothing is said, else PostgreSQL at the DSN given inline or in
// `postgres_file`. Used by the server and by every command that reads the state.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include "config/config.hpp"
#include "storage/store.hpp"

namespace holdgate::stores {

// Whether the configured state may not exist yet and should be created (the server) or must be
// there already (audit verify: an empty new file would "verify" a trail that is not there).
enum class Create { yes, no };

// `origin`: stamped on the audit events the store appends (storage::open_sqlite_store).
std::variant<std::unique_ptr<storage::Store>, storage::StoreError> open_configured_store(
    const config::Config& config, Create create, std::string origin = {});

// Where the SQLite state is (when the config names no PostgreSQL): <state_dir>/holdgate.db.
std::filesystem::path sqlite_path(const config::Config& config);
bool uses_postgres(const config::StorageConfig& storage);

// The DSN the config names, read from postgres_file if need be (refused when group may write
// it or others may read it: it holds a password); empty for SQLite.
std::variant<std::string, storage::StoreError> configured_dsn(const config::StorageConfig& storage);

}  // namespace holdgate::stores
