#include "upstream.hpp"

#include <unistd.h>

#include <cctype>

#include "keys.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::proxy {
namespace {

constexpr const char* upstream_ciphers =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,"
    "aes256-ctr";
// For the CTR ciphers only (AEAD ciphers carry their own MAC). SHA-2 only, as on the user
// leg; the non-ETM ones too, for targets older than OpenSSH 6.2. Named here, not left to
// libssh's defaults, so the integrity tests (test_broken_leg.py) can cover each one.
constexpr const char* upstream_macs =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";

std::string describe(const config::Target& target) {
  return target.name + " (" + target.address.host + ":" + std::to_string(target.address.port) + ")";
}

// libssh's last error, which may quote what the target sent (its banner line, a disconnect
// message): the target's words reach the user's terminal and the log only sanitised.
std::string remote_error(ssh_session session) { return policy::sanitize(ssh_get_error(session)); }

std::string lowercase_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Resolves and connects with a deadline; returns a connected socket or the reason it failed.
awaitable<std::variant<tcp::socket, std::string>> connect_tcp(const config::Address& address,
                                                              std::chrono::seconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  error_code ec;
  auto endpoints = co_await resolver.async_resolve(address.host, std::to_string(address.port),
                                                   asio::redirect_error(use_awaitable, ec));
  if (ec) co_return "cannot resolve " + address.host + ": " + lowercase_first(ec.message());

  tcp::socket socket(executor);
  asio::steady_timer watchdog(executor, timeout);
  bool timed_out = false;
  watchdog.async_wait([&](error_code wait_ec) {
    if (wait_ec) return;
    timed_out = true;
    error_code ignored;
    socket.close(ignored);
  });
  co_await asio::async_connect(socket, endpoints, asio::redirect_error(use_awaitable, ec));
  watchdog.cancel();
  if (timed_out) co_return std::string("connection timed out");
  if (ec) co_return lowercase_first(ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  co_return std::move(socket);
}

// Runs a libssh step until it stops answering SSH_AGAIN (or `again`), waiting on the socket.
template <class Step>
awaitable<int> until_done(Step step, int again, SshWaiter& waiter, SteadyClock::time_point deadline) {
  for (;;) {
    int rc = step();
    if (rc != again) co_return rc;
    if (SteadyClock::now() >= deadline) co_return again;
    co_await waiter.wait(deadline);
  }
}

std::string host_key_problem(ssh_session session, const config::Target& target) {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(session, &raw) != SSH_OK) {
    return "holdgate: " + target.name + " sent no host key";
  }
  KeyHandle key(raw);
  std::string fp = fingerprint(key.get());
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      return {};
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return "holdgate: the host key of " + describe(target) + " has CHANGED (now " + fp +
             "); refusing to connect";
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return "holdgate: the host key of " + describe(target) + " (" + fp +
             ") is not in holdgate's known_hosts; refusing to connect";
    case SSH_KNOWN_HOSTS_ERROR:
      break;
  }
  return "holdgate: cannot check the host key of " + describe(target) + ": " +
         remote_error(session);
}

}  // namespace

awaitable<std::variant<UpstreamHandle, DialError>> dial_upstream(const policy::LoginPermit& permit,
                                                                const UpstreamSettings& settings,
                                                                SshWaiter& waiter) {
  const config::Target& target = permit.target();
  auto deadline = SteadyClock::now() + settings.connect_timeout;

  auto connected = co_await connect_tcp(target.address, settings.connect_timeout);
  if (auto* reason = std::get_if<std::string>(&connected)) {
    co_return DialError{"holdgate: " + describe(target) + " is unreachable: " + *reason};
  }
  auto& socket = std::get<tcp::socket>(connected);
  // libssh owns (and later closes) a dup; Asio keeps the original for readiness.
  int fd = ::dup(socket.native_handle());
  if (fd < 0) co_return DialError{"holdgate: out of file descriptors"};

  UpstreamHandle session(ssh_new());
  int off = 0, on = 1;
  long timeout_s = settings.connect_timeout.count();
  unsigned int port = target.address.port;
  ssh_options_set(session.get(), SSH_OPTIONS_PROCESS_CONFIG, &off);
  ssh_options_set(session.get(), SSH_OPTIONS_FD, &fd);
  ssh_options_set(session.get(), SSH_OPTIONS_HOST, target.address.host.c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_PORT, &port);
  ssh_options_set(session.get(), SSH_OPTIONS_USER, permit.login().c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_KNOWNHOSTS, settings.known_hosts.c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_GLOBAL_KNOWNHOSTS, settings.known_hosts.c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_NODELAY, &on);
  // The leg to the target is holdgate's own choice: AES-GCM first, which CPUs with AES
  // instructions run several times faster than chacha20 (the user's leg keeps their choice).
  ssh_options_set(session.get(), SSH_OPTIONS_CIPHERS_C_S, upstream_ciphers);
  ssh_options_set(session.get(), SSH_OPTIONS_CIPHERS_S_C, upstream_ciphers);
  ssh_options_set(session.get(), SSH_OPTIONS_HMAC_C_S, upstream_macs);
  ssh_options_set(session.get(), SSH_OPTIONS_HMAC_S_C, upstream_macs);
  ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT, &timeout_s);
  ssh_set_blocking(session.get(), 0);
  waiter.watch(session.get(), as_stream_socket(std::move(socket)));

  auto fail = [&](std::string message) {
    waiter.unwatch(session.get());
    return DialError{std::move(message)};
  };

  int rc = co_await until_done([&] { return ssh_connect(session.get()); }, SSH_AGAIN, waiter, deadline);
  if (rc == SSH_AGAIN) co_return fail("holdgate: " + describe(target) + " did not complete the SSH handshake in time");
  if (rc != SSH_OK) {
    co_return fail("holdgate: SSH handshake with " + describe(target) + " failed: " +
                   remote_error(session.get()));
  }
  if (auto problem = host_key_problem(session.get(), target); !problem.empty()) {
    co_return fail(problem);
  }
  rc = co_await until_done(
      [&] { return ssh_userauth_publickey(session.get(), nullptr, settings.identity); },
      SSH_AUTH_AGAIN, waiter, deadline);
  if (rc == SSH_AUTH_AGAIN) co_return fail("holdgate: " + describe(target) + " did not answer authentication in time");
  if (rc != SSH_AUTH_SUCCESS) {
    co_return fail("holdgate: " + target.name + " refused holdgate's key for " + permit.login() +
                   " (authorize the key from 'holdgate show-keys --upstream' there)");
  }
  co_return std::move(session);
}

}  // namespace holdgate::proxy
