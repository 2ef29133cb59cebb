#include "notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace holdgate::systemd {
namespace {

// Closes the datagram socket however notify() returns.
struct SocketFd {
  int fd;
  ~SocketFd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string failure(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

Notifier Notifier::from_environment() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  Notifier notifier(path ? path : "");
  ::unsetenv("NOTIFY_SOCKET");
  return notifier;
}

std::optional<std::string> Notifier::notify(std::string_view state) const {
  if (!enabled()) return std::nullopt;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof address.sun_path || (socket_path_[0] != '/' && socket_path_[0] != '@')) {
    return "NOTIFY_SOCKET is not a unix socket path: " + socket_path_;
  }
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  // An abstract socket's name starts with a NUL byte, spelled '@' in the variable; its length
  // is exact (no terminating NUL), so the address length must be too.
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());

  SocketFd socket{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (socket.fd < 0) return failure("notify socket");
  auto sent = ::sendto(socket.fd, state.data(), state.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&address), length);
  if (sent < 0) return failure("notify " + socket_path_);
  return std::nullopt;
}

}  // namespace holdgate::systemd
