// The descriptor reserve (proxy/fd_reserve.hpp): out of descriptors, it sheds a waiting
// connection (the client sees it closed at once) and takes its reserve back; with nothing
// waiting it returns at once instead of blocking the loop.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "proxy/fd_reserve.hpp"

namespace {

// A descriptor closed when the test ends.
struct Fd {
  int fd;
  explicit Fd(int value) : fd(value) {}
  Fd(Fd&& other) noexcept : fd(other.fd) { other.fd = -1; }
  Fd(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Fd listener_on_loopback(sockaddr_in& address) {
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  REQUIRE(listener.fd >= 0);
  address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  REQUIRE(::listen(listener.fd, 8) == 0);
  return listener;
}

Fd connected_to(const sockaddr_in& address) {
  Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::connect(client.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  return client;
}

// Every descriptor up to a lowered RLIMIT_NOFILE taken; limit and descriptors given back at
// the end, whatever the test's outcome (the rest of the binary needs them).
struct Exhausted {
  rlimit saved{};
  std::vector<int> hogs;
  explicit Exhausted(int lowest_free) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit low{static_cast<rlim_t>(lowest_free + 1), saved.rlim_max};
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) hogs.push_back(fd);
  }
  ~Exhausted() {
    for (int fd : hogs) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved);
  }
};

}  // namespace

TEST_CASE("the reserve sheds a waiting connection even with no descriptor left", "[fd_reserve]") {
  sockaddr_in address;
  Fd listener = listener_on_loopback(address);
  holdgate::proxy::FdReserve reserve;
  Fd client = connected_to(address);

  // Use up every descriptor below a lowered limit: accept() itself fails now, as under load.
  const int lowest_free = ::dup(listener.fd);  // no gap below it: it is the lowest free one
  REQUIRE(lowest_free >= 0);
  ::close(lowest_free);
  {
    Exhausted exhausted(lowest_free);
    const int accepted = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
    const int error = errno;
    CHECK(accepted < 0);
    CHECK(error == EMFILE);

    CHECK(reserve.shed_one(listener.fd));
    CHECK_FALSE(reserve.shed_one(listener.fd));  // nothing waits any more: no block, no shed
  }
  char byte;
  CHECK(::read(client.fd, &byte, 1) == 0);  // the client sees the connection closed
}
