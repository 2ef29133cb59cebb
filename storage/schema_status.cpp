#include "storage/schema_status.hpp"

#include <filesystem>

#include "storage/postgres_connect.hpp"
#include "storage/postgres_schema.hpp"
#include "storage/sqlite_handles.hpp"
#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_statement.hpp"

namespace holdgate::storage {
namespace {

std::string describe(std::int64_t version, int latest) {
  if (version == latest) return "schema " + std::to_string(version) + ", current";
  return "schema " + std::to_string(version) + ", migrated to " + std::to_string(latest) +
         " when serve starts";
}

}  // namespace

std::variant<std::string, StoreError> sqlite_schema_status(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::string("not created yet (serve creates it)");
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_EXRESCODE, nullptr);
  sqlite::Database db(raw);
  if (rc != SQLITE_OK) {
    return StoreError{"cannot open the database " + path + ": " +
                      (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  try {
    if (auto refused = sqlite::check_schema(db.get(), path)) return *refused;
    return describe(sqlite::query_integer(db.get(), "PRAGMA user_version"),
                    sqlite::latest_schema_version());
  } catch (const sqlite::SqliteError& error) {
    // A write was cut short (a crash, a kill -9 while serve created the file): the rollback
    // journal or WAL it left must be replayed, which a read-only look cannot do, and serve's
    // read-write open does first thing. Not a reason to refuse the start.
    if (error.code() == SQLITE_READONLY_ROLLBACK || error.code() == SQLITE_READONLY_RECOVERY) {
      return std::string("an interrupted write is rolled back when serve starts");
    }
    return StoreError{"cannot read the database " + path + ": " + error.what()};
  }
}

std::variant<std::string, StoreError> postgres_schema_status(const std::string& dsn) {
  auto opened = postgres::open_connection(dsn);
  if (auto* error = std::get_if<StoreError>(&opened)) return *error;
  auto& conn = std::get<postgres::Connection>(opened);
  const std::string where = postgres::describe_dsn(dsn);
  try {
    auto exists = postgres::run(conn.get(), "SELECT to_regclass('holdgate_schema') IS NOT NULL");
    if (exists.text(0, 0) != "t") return std::string("empty (serve creates the schema)");
    auto stored = postgres::run(conn.get(), "SELECT version FROM holdgate_schema");
    std::int64_t version = stored.rows() == 0 ? 0 : stored.integer(0, 0);
    if (version > postgres::latest_schema_version()) {
      return StoreError{"the database " + where + " was written by a newer holdgate (schema " +
                        std::to_string(version) + ", this build knows up to " +
                        std::to_string(postgres::latest_schema_version()) + "); refusing to open it"};
    }
    return describe(version, postgres::latest_schema_version());
  } catch (const postgres::PostgresError& error) {
    return StoreError{"cannot read the schema of " + where + ": " + error.what()};
  }
}

}  // namespace holdgate::storage
