#include "storage/postgres_connect.hpp"

#include <new>

#include "storage/postgres_schema.hpp"

namespace holdgate::storage::postgres {

std::variant<Connection, StoreError> open_connection(const std::string& dsn) {
  const std::string where = describe_dsn(dsn);
  // expand_dbname: `dsn` is a whole connection string or URI; keywords after it would override
  // it, keywords before it are defaults it can override (its own connect_timeout wins).
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {kConnectTimeoutSeconds, "holdgate", dsn.c_str(), nullptr};
  Connection conn(PQconnectdbParams(keywords, values, 1));
  if (!conn) throw std::bad_alloc();
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn.get());
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    for (char& c : reason) {
      if (c == '\n') c = ' ';
    }
    return StoreError{"cannot reach its database " + where + ": " + reason};
  }
  // Notices (e.g. "relation already exists, skipping") are not for the bastion's stderr.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

std::variant<Connection, StoreError> connect(const std::string& dsn) {
  auto opened = open_connection(dsn);
  if (auto* error = std::get_if<StoreError>(&opened)) return *error;
  Connection conn = std::move(std::get<Connection>(opened));
  const std::string where = describe_dsn(dsn);
  try {
    if (auto refused = migrate(conn.get(), where)) return *refused;
  } catch (const PostgresError& error) {
    const char* prefix = error.connection_lost() ? "cannot reach its database " : "the database ";
    return StoreError{prefix + where + (error.connection_lost() ? ": " : " failed to migrate: ") +
                      error.what()};
  }
  return conn;
}

}  // namespace holdgate::storage::postgres
