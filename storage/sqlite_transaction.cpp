#include "storage/sqlite_transaction.hpp"

namespace holdgate::storage::sqlite {

Transaction::Transaction(sqlite3* db, Kind kind) : db_(db) {
  exec(db, kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  // Some errors (disk full, I/O error, out of memory) already rolled the transaction back;
  // a ROLLBACK then would only fail. Errors here cannot be reported from a destructor, and
  // SQLite rolls back an unfinished transaction when the connection closes anyway.
  if (open_ && sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  exec(db_, "COMMIT");
  open_ = false;
}

}  // namespace holdgate::storage::sqlite
