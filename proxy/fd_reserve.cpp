#include "fd_reserve.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace holdgate::proxy {

FdReserve::FdReserve() { take(); }

FdReserve::~FdReserve() {
  if (fd_ >= 0) ::close(fd_);
}

void FdReserve::take() {
  if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool FdReserve::shed_one(int listener) {
  take();  // the last attempt may have found no descriptor to take back
  if (fd_ < 0) return false;
  ::close(fd_);
  fd_ = -1;
  // Asio made the listener non-blocking, but a client may have given up meanwhile: poll first,
  // so this never waits on the event loop.
  pollfd ready{listener, POLLIN, 0};
  int accepted = -1;
  if (::poll(&ready, 1, 0) == 1 && (ready.revents & POLLIN)) {
    accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  }
  if (accepted >= 0) ::close(accepted);
  take();
  return accepted >= 0;
}

}  // namespace holdgate::proxy
