// A transaction that rolls back unless commit() was reached, so an exception or an early return
// (a failed compare-and-swap) can never leave half a change behind.
#pragma once

#include "storage/sqlite_handles.hpp"

namespace holdgate::storage::sqlite {

class Transaction {
 public:
  enum class Kind {
    // BEGIN: several SELECTs see one snapshot (a request and its reviews from the same moment).
    // Nothing to commit: ending it by rollback is the same.
    read,
    // BEGIN IMMEDIATE: takes the write lock before the first read, so a compare-and-swap reads
    // the version nobody else can change before it writes. Waits up to the busy timeout.
    write,
  };

  Transaction(sqlite3* db, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Durable when it returns (synchronous=FULL). Throws SqliteError; then the destructor rolls back.
  void commit();

 private:
  sqlite3* db_;
  bool open_ = true;
};

}  // namespace holdgate::storage::sqlite
