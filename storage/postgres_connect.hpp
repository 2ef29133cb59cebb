// Opening a libpq connection to a DSN: a short connect timeout unless the DSN sets one, and the
// schema brought up to date. Internal to storage/ (the store and `storage copy` use it).
#pragma once

#include <string>
#include <variant>

#include "storage/postgres_handles.hpp"
#include "storage/store.hpp"

namespace holdgate::storage::postgres {

// How long a connection attempt waits when the DSN says nothing (libpq's own default is forever).
inline constexpr const char* kConnectTimeoutSeconds = "3";

// A connected, migrated connection, or why not: "cannot reach its database <dsn without
// password>: <libpq's reason>", or a schema refusal.
std::variant<Connection, StoreError> connect(const std::string& dsn);

// As connect, without touching the schema (holdgate doctor only looks).
std::variant<Connection, StoreError> open_connection(const std::string& dsn);

}  // namespace holdgate::storage::postgres
