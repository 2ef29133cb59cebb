#include "storage/sqlite_handles.hpp"

namespace holdgate::storage::sqlite {

void fail(sqlite3* db, int code) {
  // sqlite3_errmsg describes the most recent failed call on this connection; the Store's mutex
  // makes that the call that just failed.
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw SqliteError(code, message != nullptr ? message : "unknown SQLite error");
}

void exec(sqlite3* db, const std::string& sql) {
  // No error-message out-parameter: that string would need its own sqlite3_free, and
  // sqlite3_errmsg says the same thing.
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(db, rc);
}

}  // namespace holdgate::storage::sqlite
