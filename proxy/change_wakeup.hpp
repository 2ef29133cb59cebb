// "Another bastion may have written to the shared database": a hint that wakes the change feed
// (proxy/bastion_feed.hpp) to read the audit trail now instead of at its next safety re-read.
// Only a hint: the feed reads by id from where it stopped, so a missed or spurious wake-up
// costs latency or one empty read, never a change.
//
// SQLite (several holdgates on one file: a second process on the host, or the old and the new
// during a reload): inotify on the database's directory, for writes to the file and its -wal.
//
// PostgreSQL (issue 14, a second implementation of this interface): each writing transaction
// runs `NOTIFY holdgate_changes` before COMMIT (delivered at commit, never for a rollback); a
// dedicated LISTEN connection's PQsocket() is watched by Asio (posix::stream_descriptor
// async_wait), PQconsumeInput + PQnotifies drain it and call `hint` once. After a lost
// connection it reconnects with a backoff, LISTENs again, and calls `hint` after every
// reconnect, because notifications sent while it was away are gone.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "runtime/net.hpp"

namespace holdgate::proxy {

class ChangeWakeup {
 public:
  virtual ~ChangeWakeup() = default;
  // Calls `hint` on the loop whenever the database may have changed, until destroyed.
  virtual void start(std::function<void()> hint) = 0;
};

// Watches the SQLite database at `database` (its directory, for the file and its -wal). An
// error is one sentence; the feed then relies on its safety re-reads alone.
std::variant<std::unique_ptr<ChangeWakeup>, std::string> watch_sqlite_file(
    asio::io_context& io, const std::filesystem::path& database);

}  // namespace holdgate::proxy
