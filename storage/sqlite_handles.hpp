// Owning handles for SQLite objects and the one error type the SQLite helpers throw. Internal to
// storage/: the Store boundary turns SqliteError into StoreError or StoreFailure.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace holdgate::storage::sqlite {

struct CloseDatabase {
  // close_v2 rather than close: it cannot fail with SQLITE_BUSY because of a statement still
  // alive elsewhere; the connection goes away when the last statement does.
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

// A failed SQLite call. code() is the extended result code (SQLITE_CONSTRAINT_PRIMARYKEY, ...).
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }
  int primary_code() const { return code_ & 0xff; }

 private:
  int code_;
};

// Throws SqliteError for `code` with the connection's message (or SQLite's text for the code
// when there is no connection).
[[noreturn]] void fail(sqlite3* db, int code);

// Runs SQL that returns no rows (one or more statements); throws SqliteError.
void exec(sqlite3* db, const std::string& sql);

}  // namespace holdgate::storage::sqlite
