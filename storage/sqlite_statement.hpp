// A prepared statement: bind by index (1-based, as in SQL `?1`), step, read columns (0-based, as
// in SQLite). Every failure throws SqliteError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/sqlite_handles.hpp"

namespace holdgate::storage::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);

  // Text is bound with its length, so embedded NUL and any other byte are kept exactly.
  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  void bind(int index, const std::optional<std::int64_t>& value);  // NULL when empty
  void bind_null(int index);

  // True when a row is ready to be read; false when the statement has finished.
  bool step();
  // Steps a statement that must not return rows (INSERT, UPDATE).
  void run();
  // Makes the statement ready to step again; bindings are kept until bound anew.
  void reset();

  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::string text(int column) const;

 private:
  sqlite3* db_;
  StatementHandle statement_;
};

// The first column of the first row of `sql` as an integer (PRAGMA user_version, count(*)).
std::int64_t query_integer(sqlite3* db, std::string_view sql);

}  // namespace holdgate::storage::sqlite
