#include "ssh_waiter.hpp"

#include <algorithm>

namespace holdgate::proxy {

struct SshWaiter::State {
  struct Watched {
    ssh_session session;
    StreamSocket descriptor;
    bool read_armed = false;
    bool write_armed = false;
  };

  explicit State(asio::any_io_executor executor) : timer(executor) {}

  asio::steady_timer timer;
  bool woken = false;
  std::vector<std::unique_ptr<Watched>> watched;

  void wake() {
    woken = true;
    timer.cancel();
  }
};

SshWaiter::SshWaiter(asio::any_io_executor executor)
    : state_(std::make_shared<State>(executor)) {}

SshWaiter::~SshWaiter() {
  // Pending async_waits complete with operation_aborted and only touch the shared state.
  for (auto& w : state_->watched) {
    error_code ignored;
    w->descriptor.close(ignored);
  }
  state_->timer.cancel();
}

void SshWaiter::watch(ssh_session session, StreamSocket socket) {
  state_->watched.push_back(
      std::unique_ptr<State::Watched>(new State::Watched{session, std::move(socket)}));
}

void SshWaiter::unwatch(ssh_session session) {
  auto& watched = state_->watched;
  for (auto& w : watched) {
    if (w->session == session) {
      error_code ignored;
      w->descriptor.close(ignored);
    }
  }
  // Keep closed entries whose handlers are still pending; they are dropped on the next wait.
}

void SshWaiter::notify() { state_->wake(); }

std::function<void()> SshWaiter::notifier() const {
  return [weak = std::weak_ptr<State>(state_)] {
    if (auto state = weak.lock()) state->wake();
  };
}

awaitable<void> SshWaiter::wait(SteadyClock::time_point deadline) {
  auto state = state_;
  std::erase_if(state->watched, [](const auto& w) {
    return !w->descriptor.is_open() && !w->read_armed && !w->write_armed;
  });
  for (auto& w : state->watched) {
    if (!w->descriptor.is_open()) continue;
    if (!w->read_armed) {
      w->read_armed = true;
      w->descriptor.async_wait(StreamSocket::wait_read,
                               [state, p = w.get()](error_code) {
                                 p->read_armed = false;
                                 state->wake();
                               });
    }
    bool wants_write = (ssh_get_poll_flags(w->session) & SSH_WRITE_PENDING) != 0;
    if (wants_write && !w->write_armed) {
      w->write_armed = true;
      w->descriptor.async_wait(StreamSocket::wait_write,
                               [state, p = w.get()](error_code) {
                                 p->write_armed = false;
                                 state->wake();
                               });
    }
  }
  if (!state->woken) {
    state->timer.expires_at(deadline);
    error_code ec;
    co_await state->timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  state->woken = false;
}

}  // namespace holdgate::proxy
