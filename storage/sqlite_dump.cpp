// read_sqlite_contents: the whole SQLite file, read only.
#include <new>

#include "storage/dump.hpp"
#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_transaction.hpp"

namespace holdgate::storage {

Counts count(const Contents& contents) {
  Counts counts{contents.requests.size(), 0, contents.grants.size(), contents.locks.size(),
                contents.audit.size()};
  for (const auto& request : contents.requests) counts.reviews += request.reviews.size();
  return counts;
}

std::variant<Contents, StoreError> read_sqlite_contents(const std::string& path) {
  using namespace sqlite;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_EXRESCODE,
                           nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    if (!db) throw std::bad_alloc();
    return StoreError{"cannot open the database " + path + ": " + sqlite3_errmsg(db.get())};
  }
  try {
    Transaction snapshot(db.get(), Transaction::Kind::read);
    if (query_integer(db.get(), "PRAGMA application_id") != kApplicationId) {
      return StoreError{"the file " + path + " is not a holdgate database"};
    }
    if (query_integer(db.get(), "PRAGMA user_version") != latest_schema_version()) {
      return StoreError{"the database " + path + " is not at this holdgate's schema; run this "
                        "holdgate on it once (or holdgate audit verify) before copying it"};
    }
    Contents contents;
    Statement requests(db.get(), std::string("SELECT ") + kRequestColumns +
                                     " FROM requests ORDER BY created, id");
    RequestReader reader(db.get());
    while (requests.step()) contents.requests.push_back(reader.read(requests));
    Statement grants(db.get(), std::string("SELECT ") + kGrantColumns +
                                   " FROM grants JOIN requests ON requests.id = grants.request_id"
                                   " ORDER BY grants.request_id, grants.role");
    while (grants.step()) contents.grants.push_back(read_grant(grants));
    Statement locks(db.get(),
                    "SELECT id, user, target, role, reason, created_by, created, expires, removed,"
                    " removed_by FROM locks ORDER BY created, id");
    while (locks.step()) {
      LockRecord lock;
      lock.id = locks.text(0);
      lock.user = locks.text(1);
      lock.target = locks.text(2);
      lock.role = locks.text(3);
      lock.reason = locks.text(4);
      lock.created_by = locks.text(5);
      lock.created = from_millis(locks.integer(6));
      lock.expires = optional_time(locks.optional_integer(7));
      lock.removed = optional_time(locks.optional_integer(8));
      lock.removed_by = locks.text(9);
      contents.locks.push_back(std::move(lock));
    }
    Statement audit(db.get(), std::string("SELECT ") + kAuditColumns + " FROM audit ORDER BY id");
    while (audit.step()) contents.audit.push_back(read_audit(audit));
    return contents;
  } catch (const SqliteError& error) {
    if (error.primary_code() == SQLITE_NOMEM) throw std::bad_alloc();
    return StoreError{"reading the database " + path + " failed: " + error.what()};
  }
}

}  // namespace holdgate::storage
