// The one place that knows how libssh meets Asio.
//
// libssh runs non-blocking: a call that cannot finish returns SSH_AGAIN, and the caller must come
// back once the socket is ready. SshWaiter lets a session's coroutine sleep until one of its
// sockets is ready (read, or write when libssh holds unsent output), until notify() is called by
// someone outside (an approval, shutdown), or until a deadline, whichever comes first.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "runtime/net.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {

class SshWaiter {
 public:
  explicit SshWaiter(asio::any_io_executor executor);
  ~SshWaiter();
  SshWaiter(const SshWaiter&) = delete;
  SshWaiter& operator=(const SshWaiter&) = delete;

  // Watches the session's socket from now on. libssh must have been given its own dup() of
  // the descriptor: each side closes its own. (Closing Asio's registered descriptor while a dup
  // lives on would leave a stale epoll entry behind, so Asio keeps the original.)
  void watch(ssh_session session, StreamSocket socket);
  void unwatch(ssh_session session);

  // Wakes the waiting coroutine (or the next wait, if nobody waits right now).
  void notify();
  // notify() for a handler that may run after this waiter is gone (then it does nothing).
  // Call it on the waiter's executor.
  std::function<void()> notifier() const;

  // Sleeps until a watched socket is ready, notify(), or the deadline.
  awaitable<void> wait(SteadyClock::time_point deadline);

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with pending handlers, which may outlive us
};

}  // namespace holdgate::proxy
