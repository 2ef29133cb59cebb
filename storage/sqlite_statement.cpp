#include "storage/sqlite_statement.hpp"

namespace holdgate::storage::sqlite {

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  statement_.reset(raw);  // owned before anything can throw
  if (rc != SQLITE_OK) fail(db, rc);
}

void Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's string may go away before step().
  int rc = sqlite3_bind_text64(statement_.get(), index, text.data(), text.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_, rc);
}

void Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(statement_.get(), index, value);
  if (rc != SQLITE_OK) fail(db_, rc);
}

void Statement::bind(int index, const std::optional<std::int64_t>& value) {
  if (value) {
    bind(index, *value);
  } else {
    bind_null(index);
  }
}

void Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(statement_.get(), index);
  if (rc != SQLITE_OK) fail(db_, rc);
}

bool Statement::step() {
  int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc);
}

void Statement::run() {
  if (step()) throw SqliteError(SQLITE_MISUSE, "a statement expected to return no rows returned one");
}

void Statement::reset() {
  // The result of reset repeats the last step's error, which step() has already thrown.
  sqlite3_reset(statement_.get());
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (sqlite3_column_type(statement_.get(), column) == SQLITE_NULL) return std::nullopt;
  return integer(column);
}

std::string Statement::text(int column) const {
  // Text first, then bytes: that order gives the length of the UTF-8 form just fetched.
  const unsigned char* data = sqlite3_column_text(statement_.get(), column);
  int size = sqlite3_column_bytes(statement_.get(), column);
  if (data == nullptr) {
    // NULL, or out of memory converting the value; the columns read as text are NOT NULL.
    if (sqlite3_errcode(db_) == SQLITE_NOMEM) fail(db_, SQLITE_NOMEM);
    return {};
  }
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::int64_t query_integer(sqlite3* db, std::string_view sql) {
  Statement statement(db, sql);
  if (!statement.step()) throw SqliteError(SQLITE_ERROR, "no row from: " + std::string(sql));
  return statement.integer(0);
}

}  // namespace holdgate::storage::sqlite
