// open_sqlite_store: the file, the connection settings, the schema.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <thread>

#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_statement.hpp"
#include "storage/sqlite_store.hpp"

namespace holdgate::storage {

namespace {

using sqlite::Database;
using sqlite::SqliteError;

// How long a write waits for another connection's write to finish before failing. Writes are
// short (one request and a few rows), so waiting this long means something is wrong.
constexpr int kBusyTimeoutMs = 5000;

// The file holds who asked for what and why: readable by holdgate's user only. Created here, not
// by SQLite, which would use 0644 minus the umask. SQLite gives the -wal and -shm files the mode
// of the database file, so they are private too.
std::optional<StoreError> create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return std::nullopt;  // an existing file keeps the mode it was given
    return StoreError{"cannot create the database " + path + ": " + std::strerror(errno)};
  }
  // The umask may have taken bits away; 0600 exactly, or SQLite cannot write the file.
  int rc = ::fchmod(fd, 0600);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return StoreError{"cannot make the database " + path + " private: " +
                                 std::strerror(saved)};
  return std::nullopt;
}

// WAL: readers do not block the writer and the writer does not block readers, across
// processes. It is a property of the file, so the first open sets it for everyone. Returns the
// journal mode in effect.
std::string use_write_ahead_log(sqlite3* db) {
  // Switching needs the file to itself, and SQLite reports a collision with another connection
  // at once instead of waiting (several processes opening a new file at the same moment), so
  // wait here, as long as the busy timeout.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      // Finished before the migrations begin: an unfinished PRAGMA would block their COMMIT.
      sqlite::Statement journal(db, "PRAGMA journal_mode = WAL");
      return journal.step() ? journal.text(0) : std::string();
    } catch (const SqliteError& error) {
      if (error.primary_code() != SQLITE_BUSY) throw;
      if (std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::optional<StoreError> configure(sqlite3* db, const std::string& path) {
  if (sqlite3_db_readonly(db, "main") == 1) {
    return StoreError{"the database " + path + " is read-only for this user"};
  }
  // Before anything changes the file: refuse it as it is.
  if (auto refused = sqlite::check_schema(db, path)) return refused;

  std::string mode = use_write_ahead_log(db);
  if (mode != "wal") {
    return StoreError{"cannot use write-ahead logging for the database " + path +
                      " (journal mode stays '" + mode + "'); is it on a network file system?"};
  }
  // FULL: a commit is on disk (WAL synced) before it returns, not only in the OS cache.
  sqlite::exec(db, "PRAGMA synchronous = FULL");
  // Per connection and off by default in SQLite: reviews and grants must name a real request.
  sqlite::exec(db, "PRAGMA foreign_keys = ON");
  return sqlite::migrate(db, path);
}

}  // namespace

std::variant<std::unique_ptr<Store>, StoreError> open_sqlite_store(const std::string& path,
                                                                   std::string origin) {
  if (auto error = create_private_file(path)) return *error;

  sqlite3* raw = nullptr;
  // No SQLITE_OPEN_CREATE: the file exists now, and if it vanished, SQLite must not create it
  // with its own permissions. NOMUTEX: the Store serializes its own calls.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                           nullptr);
  Database db(raw);  // owned even when opening failed: the handle still needs closing
  if (rc != SQLITE_OK) {
    if ((rc & 0xff) == SQLITE_NOMEM || !db) throw std::bad_alloc();
    return StoreError{"cannot open the database " + path + ": " + sqlite3_errmsg(db.get())};
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  try {
    if (auto error = configure(db.get(), path)) return *error;
  } catch (const SqliteError& error) {
    switch (error.primary_code()) {
      case SQLITE_NOMEM:
        throw std::bad_alloc();
      case SQLITE_NOTADB:
        return StoreError{"the file " + path + " is not an SQLite database; refusing to open it"};
      default:
        return StoreError{"cannot open the database " + path + ": " + error.what()};
    }
  }
  return sqlite::make_store(std::move(db), path, std::move(origin));
}

}  // namespace holdgate::storage
