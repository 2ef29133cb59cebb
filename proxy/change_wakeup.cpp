#include "change_wakeup.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace holdgate::proxy {

namespace {

class SqliteFileWakeup final : public ChangeWakeup {
 public:
  SqliteFileWakeup(asio::io_context& io, int fd, std::string database_name)
      : descriptor_(io, fd), database_name_(std::move(database_name)) {}

  ~SqliteFileWakeup() override {
    *alive_ = false;
    error_code ec;
    descriptor_.close(ec);  // the pending wait completes with operation_aborted
  }

  void start(std::function<void()> hint) override {
    hint_ = std::move(hint);
    wait();
  }

 private:
  void wait() {
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this, alive = alive_](const error_code& ec) {
                             if (!*alive || ec) return;
                             if (drain()) hint_();
                             wait();
                           });
  }

  // Reads every queued inotify event (a commit is several writes: one hint for all of them).
  // True when one concerned the database or its -wal, not the -shm or other files nearby
  // (readers write the -shm, and a hint for those would wake every bastion on every read).
  bool drain() {
    bool concerned = false;
    alignas(inotify_event) std::array<char, 4096> buffer;
    for (;;) {
      ssize_t n = ::read(descriptor_.native_handle(), buffer.data(), buffer.size());
      if (n <= 0) break;  // EAGAIN: drained
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
        std::string name = event->len ? std::string(event->name) : std::string();
        if (name == database_name_ || name == database_name_ + "-wal" ||
            (event->mask & IN_Q_OVERFLOW)) {
          concerned = true;  // an overflow may have dropped one that was
        }
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    return concerned;
  }

  asio::posix::stream_descriptor descriptor_;
  std::string database_name_;
  std::function<void()> hint_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::variant<std::unique_ptr<ChangeWakeup>, std::string> watch_sqlite_file(
    asio::io_context& io, const std::filesystem::path& database) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return std::string("cannot watch the database for changes: ") + std::strerror(errno);
  // The directory, not the files: SQLite deletes the -wal when the last connection closes and
  // makes it anew, and a watch on a file ends with its inode.
  auto directory = database.parent_path().empty() ? std::filesystem::path(".") : database.parent_path();
  if (::inotify_add_watch(fd, directory.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
    std::string reason = std::strerror(errno);
    ::close(fd);
    return "cannot watch " + directory.string() + " for changes: " + reason;
  }
  return std::unique_ptr<ChangeWakeup>(
      std::make_unique<SqliteFileWakeup>(io, fd, database.filename().string()));
}

}  // namespace holdgate::proxy
