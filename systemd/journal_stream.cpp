#include "journal_stream.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

namespace holdgate::systemd {

bool fd_is_journal_stream(int fd, std::string_view journal_stream) {
  auto colon = journal_stream.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long device = 0, inode = 0;
  auto device_text = journal_stream.substr(0, colon), inode_text = journal_stream.substr(colon + 1);
  auto [device_end, device_error] =
      std::from_chars(device_text.data(), device_text.data() + device_text.size(), device);
  auto [inode_end, inode_error] =
      std::from_chars(inode_text.data(), inode_text.data() + inode_text.size(), inode);
  if (device_error != std::errc{} || device_end != device_text.data() + device_text.size() ||
      inode_error != std::errc{} || inode_end != inode_text.data() + inode_text.size()) {
    return false;
  }
  struct stat status{};
  if (::fstat(fd, &status) != 0) return false;
  return status.st_dev == device && status.st_ino == inode;
}

bool stderr_is_journal() {
  const char* value = std::getenv("JOURNAL_STREAM");
  return value && fd_is_journal_stream(STDERR_FILENO, value);
}

}  // namespace holdgate::systemd
