#include "postgres_wakeup.hpp"

#include <unistd.h>

#include <chrono>

#include "storage/postgres_handles.hpp"

namespace holdgate::proxy {
namespace {

using storage::postgres::Connection;
using Wait = asio::posix::stream_descriptor::wait_type;

constexpr auto connect_timeout = std::chrono::seconds(10);
constexpr auto first_backoff = std::chrono::milliseconds(500);
constexpr auto max_backoff = std::chrono::seconds(5);

// What the coroutine and the wake-up share: the wake-up may be destroyed while the coroutine
// waits, and then only closes these so the wait ends.
struct Listening {
  explicit Listening(asio::io_context& io) : socket(io), timer(io) {}
  asio::posix::stream_descriptor socket;  // a dup() of the connection's socket
  asio::steady_timer timer;               // backoff, and the connect deadline
  bool stopped = false;
  bool timed_out = false;  // the connect deadline passed
};

class PostgresWakeup final : public ChangeWakeup {
 public:
  PostgresWakeup(asio::io_context& io, std::string dsn, EventLog& log)
      : io_(io), dsn_(std::move(dsn)), log_(log), state_(std::make_shared<Listening>(io)) {}
  ~PostgresWakeup() override {
    state_->stopped = true;
    error_code ignored;
    state_->socket.close(ignored);
    state_->timer.cancel();
  }

  void start(std::function<void()> hint) override {
    asio::co_spawn(io_, listen(state_, dsn_, std::move(hint), log_), [](std::exception_ptr) {});
  }

 private:
  // Waits until the socket is ready for `wait`; false when stopped or the socket failed.
  static awaitable<bool> ready(Listening& state, Wait wait) {
    error_code ec;
    co_await state.socket.async_wait(wait, asio::redirect_error(use_awaitable, ec));
    co_return !ec && !state.stopped;
  }

  // A connection that LISTENs, or null (why: in `error`).
  static awaitable<Connection> connect(Listening& state, const std::string& dsn, std::string& error) {
    Connection conn(PQconnectStart(dsn.c_str()));
    if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) {
      error = conn ? PQerrorMessage(conn.get()) : "out of memory";
      co_return Connection{};
    }
    error_code ec;
    state.socket.close(ec);
    state.socket.assign(::dup(PQsocket(conn.get())));
    for (PostgresPollingStatusType polling = PGRES_POLLING_WRITING; polling != PGRES_POLLING_OK;) {
      if (polling == PGRES_POLLING_FAILED) {
        error = PQerrorMessage(conn.get());
        co_return Connection{};
      }
      if (!co_await ready(state, polling == PGRES_POLLING_READING ? Wait::wait_read : Wait::wait_write)) {
        error = state.timed_out ? "no answer within 10 s" : "stopped";
        co_return Connection{};
      }
      polling = PQconnectPoll(conn.get());
      // libpq may have moved to another socket (another address of the host): follow it.
      if (PQsocket(conn.get()) >= 0 && polling != PGRES_POLLING_FAILED) {
        state.socket.close(ec);
        state.socket.assign(::dup(PQsocket(conn.get())));
      }
    }
    if (PQsetnonblocking(conn.get(), 1) != 0 || PQsendQuery(conn.get(), "LISTEN holdgate_changes") != 1) {
      error = PQerrorMessage(conn.get());
      co_return Connection{};
    }
    while (PQflush(conn.get()) == 1) {
      if (!co_await ready(state, Wait::wait_write)) {
        error = "no answer within 10 s";
        co_return Connection{};
      }
    }
    for (;;) {  // the LISTEN's result, then the end of results
      if (PQconsumeInput(conn.get()) != 1) {
        error = PQerrorMessage(conn.get());
        co_return Connection{};
      }
      if (PQisBusy(conn.get())) {
        if (!co_await ready(state, Wait::wait_read)) {
          error = "no answer within 10 s";
          co_return Connection{};
        }
        continue;
      }
      storage::postgres::ResultHandle result(PQgetResult(conn.get()));
      if (!result) break;
      if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
        error = PQresultErrorMessage(result.get());
        co_return Connection{};
      }
    }
    co_return conn;
  }

  static awaitable<void> listen(std::shared_ptr<Listening> state, std::string dsn,
                                std::function<void()> hint, EventLog& log) {
    auto backoff = first_backoff;
    bool was_connected = true;  // so the first failure is logged
    while (!state->stopped) {
      std::string error;
      // A server that takes the connection and never answers must not hold the feed: the
      // deadline cancels the wait (weak: the timer's handler may outlive the coroutine).
      state->timed_out = false;
      state->timer.expires_after(connect_timeout);
      state->timer.async_wait([weak = std::weak_ptr<Listening>(state)](const error_code& ec) {
        auto s = weak.lock();
        if (!s || ec) return;
        s->timed_out = true;
        error_code ignored;
        s->socket.cancel(ignored);
      });
      Connection conn = co_await connect(*state, dsn, error);
      state->timer.cancel();
      if (state->stopped) co_return;
      if (conn) {
        if (!was_connected) log.write("change-feed-listening", {});
        was_connected = true;
        backoff = first_backoff;
        hint();  // whatever was written while not listening
        // Notifications until the connection is lost.
        while (co_await ready(*state, Wait::wait_read)) {
          if (PQconsumeInput(conn.get()) != 1) break;
          bool notified = false;
          while (PGnotify* note = PQnotifies(conn.get())) {
            PQfreemem(note);
            notified = true;
          }
          if (notified) hint();
        }
        if (state->stopped) co_return;
        error = PQerrorMessage(conn.get());
      }
      if (was_connected) {
        // Once per outage: the safety re-reads carry on meanwhile.
        log.write("change-feed-error",
                  {{"reason", "cannot listen for changes: " + error + "; trying again"}});
      }
      was_connected = false;
      error_code ec;
      state->socket.close(ec);
      state->timer.expires_after(backoff);
      co_await state->timer.async_wait(asio::redirect_error(use_awaitable, ec));
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, max_backoff);
    }
  }

  asio::io_context& io_;
  std::string dsn_;
  EventLog& log_;
  std::shared_ptr<Listening> state_;
};

}  // namespace

std::unique_ptr<ChangeWakeup> listen_postgres(asio::io_context& io, std::string dsn, EventLog& log) {
  return std::make_unique<PostgresWakeup>(io, std::move(dsn), log);
}

}  // namespace holdgate::proxy
