// holdgate's SSH server before authentication, fed arbitrary client bytes.
//
// One input is everything a client sends on one connection (banner, KEXINIT, key exchange
// packets, then whatever follows), written into one end of a socketpair and then closed for
// writing. The other end is a real libssh server session accepted on a bind set up exactly as
// holdgate's listener sets up its own (configure_user_bind), run through holdgate's real
// authenticate_user coroutine with its SshWaiter, within a 200 ms deadline.
//
// OpenSSL's random numbers are a fixed sequence restarted per session (deterministic_random.hpp),
// so a client stream recorded against this harness (--serve) replays through key exchange and
// public-key authentication: seeds reach user_auth.cpp's whole dialogue, not only the banner.
//
//   harness                    one input on stdin (AFL++ fork server mode; with afl-g++-fast,
//                              persistent mode: many inputs per process)
//   harness --replay FILE...   one session per file, a line "FILE<tab>outcome" each; abort on a stall
//   harness --expect-auth FILE replays FILE; exit 0 only if it authenticated the fixture person
//   harness --serve PORT DIR N relays N real client connections on 127.0.0.1:PORT into
//                              sessions, saving each client's bytes as DIR/recorded-K
//
// HOLDGATE_FUZZ_STATE names the state_dir holding the host key (made on first use, from the
// fixed sequence, so it is the same key on every machine with the same libssh and OpenSSL).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "deterministic_random.hpp"
#include "proxy/keys.hpp"
#include "runtime/net.hpp"
#include "proxy/ssh_handles.hpp"
#include "proxy/ssh_waiter.hpp"
#include "proxy/user_auth.hpp"
#include "proxy/user_bind.hpp"

#ifdef HOLDGATE_AFL_TRACE_PC
#include "afl_trace_pc.hpp"
#endif
#ifdef HOLDGATE_AFL_PERSISTENT
__AFL_FUZZ_INIT();
#endif

namespace holdgate::fuzz {
namespace {

// The person the seeds log in as: fuzz/ssh_preauth/client_ed25519.pub (a fixture key that
// opens nothing anywhere else).
constexpr const char* fixture_key_blob =
    "AAAAC3NzaC1lZDI1NTE5AAAAIN10S6COVi7BjNzIRV6fVXHbdMx/wVDf80hrPKLU+0Qg";
constexpr std::uint64_t host_key_seed = 0x686f7374;  // "host"
constexpr std::uint64_t session_seed = 0x73657373;   // "sess"
constexpr std::size_t max_input = 256 * 1024;
// login_grace for one input: short, so a stalled input costs little. A session whose client
// side has closed must end long before this; one that outlives the hard limit is a hang.
constexpr auto login_grace = std::chrono::milliseconds(200);
constexpr auto hard_limit = std::chrono::seconds(3);

struct Fixture {
  config::Config config;
  proxy::BindHandle bind;
};

Fixture make_fixture() {
  Fixture f;
  const char* state = std::getenv("HOLDGATE_FUZZ_STATE");
  f.config.state_dir = state != nullptr ? state : "/tmp/holdgate-fuzz-ssh-preauth";
  f.config.limits.max_auth_tries = 6;
  f.config.users.push_back(config::User{
      "alice", {config::AuthorizedKey{"ssh-ed25519", fixture_key_blob, "fixture"}}, {"dba"}, {}});
  auto made = proxy::ensure_state_dir(f.config.state_dir);
  if (auto* e = std::get_if<proxy::KeyError>(&made)) {
    std::cerr << "ssh_preauth: " << e->message << "\n";
    std::exit(2);
  }
  restart_random(host_key_seed);
  f.bind.reset(ssh_bind_new());
  if (auto error = proxy::configure_user_bind(f.bind.get(), f.config)) {
    std::cerr << "ssh_preauth: " << *error << "\n";
    std::exit(2);
  }
  return f;
}

struct Outcome {
  std::string text = "stalled";
  bool authenticated = false;
  bool finished = false;
};

// The server side: holdgate's pre-authentication path on one accepted descriptor.
awaitable<void> serve(const Fixture& f, StreamSocket socket, SteadyClock::duration grace,
                      Outcome& outcome) {
  int fd = ::dup(socket.native_handle());  // libssh's own; Asio keeps the original (as Server)
  proxy::SessionHandle session(ssh_new());
  if (fd < 0 || ssh_bind_accept_fd(f.bind.get(), session.get(), fd) != SSH_OK) {
    outcome.text = "accept failed";
    outcome.finished = true;
    co_return;
  }
  ssh_set_blocking(session.get(), 0);
  {
    proxy::SshWaiter waiter(socket.get_executor());
    waiter.watch(session.get(), std::move(socket));
    bool stop_requested = false;
    auto result = co_await proxy::authenticate_user(session.get(), f.config, nullptr, waiter,
                                                    SteadyClock::now() + grace, stop_requested);
    if (auto* person = std::get_if<proxy::AuthenticatedPerson>(&result)) {
      outcome.authenticated = person->user != nullptr && person->user->name == "alice";
      outcome.text = "authenticated " + person->key_fingerprint;
    } else {
      outcome.text = std::get<proxy::AuthFailure>(result).reason;
    }
  }  // the pending message and the waiter go before the session, as in Session
  outcome.finished = true;
}

// The client side when fuzzing: the input, then end of file; whatever the server says is read
// and dropped so its writes never fill the socket buffer.
awaitable<void> send_input(StreamSocket& client, std::span<const std::uint8_t> input) {
  error_code ec;
  co_await asio::async_write(client, asio::buffer(input.data(), input.size()),
                             asio::redirect_error(use_awaitable, ec));
  client.shutdown(StreamSocket::shutdown_send, ec);
}

awaitable<void> discard_replies(StreamSocket& client) {
  std::array<char, 4096> buffer;
  for (;;) {
    error_code ec;
    co_await client.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
  }
}

// The client side when recording: a real client on TCP, its bytes kept in `record`.
awaitable<void> relay_up(StreamSocket& tcp, StreamSocket& client, std::vector<std::uint8_t>& record) {
  std::array<std::uint8_t, 4096> buffer;
  for (;;) {
    error_code ec;
    auto n = co_await tcp.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    record.insert(record.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    co_await asio::async_write(client, asio::buffer(buffer.data(), n), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  error_code ignored;
  client.shutdown(StreamSocket::shutdown_send, ignored);
}

awaitable<void> relay_down(StreamSocket& client, StreamSocket& tcp) {
  std::array<std::uint8_t, 4096> buffer;
  for (;;) {
    error_code ec;
    auto n = co_await client.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(tcp, asio::buffer(buffer.data(), n), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  error_code ignored;
  tcp.close(ignored);  // ends relay_up's read too
}

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// One session: `tcp_fd` < 0 feeds `input`; otherwise relays that connection into `record`.
Outcome run_session(const Fixture& f, std::span<const std::uint8_t> input, int tcp_fd,
                    std::vector<std::uint8_t>* record) {
  restart_random(session_seed);
  asio::io_context io;
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    std::perror("socketpair");
    std::abort();
  }
  asio::generic::stream_protocol unix_stream(AF_UNIX, 0);
  StreamSocket client(io, unix_stream, pair[0]);
  StreamSocket server(io, unix_stream, pair[1]);
  Outcome outcome;
  // A person's client when recording is slower than replayed bytes: give it a real grace.
  SteadyClock::duration grace = tcp_fd < 0 ? SteadyClock::duration(login_grace) : std::chrono::seconds(10);
  asio::co_spawn(io, serve(f, std::move(server), grace, outcome), rethrow);
  std::optional<StreamSocket> tcp;
  if (tcp_fd < 0) {
    asio::co_spawn(io, send_input(client, input), rethrow);
    asio::co_spawn(io, discard_replies(client), rethrow);
  } else {
    tcp.emplace(io, asio::generic::stream_protocol(AF_INET, IPPROTO_TCP), tcp_fd);
    asio::co_spawn(io, relay_up(*tcp, client, *record), rethrow);
    asio::co_spawn(io, relay_down(client, *tcp), rethrow);
  }
  // Recording waits on a person's client; fuzzing must end well within the hard limit.
  io.run_for(tcp_fd < 0 ? std::chrono::duration_cast<std::chrono::milliseconds>(hard_limit)
                        : std::chrono::milliseconds(30'000));
  if (!outcome.finished) {
    std::fprintf(stderr, "ssh_preauth: the session did not end within %llds of its input\n",
                 static_cast<long long>(hard_limit.count()));
    std::abort();  // a hang is a finding: AFL++ keeps the input as a crash
  }
  return outcome;
}

Outcome run_input(const Fixture& f, std::span<const std::uint8_t> input) {
  if (input.size() > max_input) input = input.first(max_input);
  return run_session(f, input, -1, nullptr);
}

std::vector<std::uint8_t> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int serve_connections(const Fixture& f, int port, const std::string& dir, int count) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 4) != 0) {
    std::perror("listen");
    return 2;
  }
  std::cout << "listening " << port << std::endl;
  for (int k = 1; k <= count; ++k) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::vector<std::uint8_t> record;
    auto outcome = run_session(f, {}, fd, &record);
    auto path = dir + "/recorded-" + std::to_string(k);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(record.data()), static_cast<std::streamsize>(record.size()));
    std::cout << path << ": " << record.size() << " bytes: " << outcome.text << std::endl;
  }
  ::close(listener);
  return 0;
}

}  // namespace
}  // namespace holdgate::fuzz

int main(int argc, char** argv) {
  using namespace holdgate::fuzz;
  ::signal(SIGPIPE, SIG_IGN);
  use_deterministic_random();
  Fixture fixture = make_fixture();
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "--serve" && argc == 5) {
    return serve_connections(fixture, std::atoi(argv[2]), argv[3], std::atoi(argv[4]));
  }
  if (mode == "--replay" || mode == "--expect-auth") {
    bool all_authenticated = true;
    for (int i = 2; i < argc; ++i) {
      auto input = read_file(argv[i]);
      auto outcome = run_input(fixture, input);
      all_authenticated = all_authenticated && outcome.authenticated;
      std::cout << argv[i] << "\t" << outcome.text << "\n";
    }
    return mode == "--expect-auth" && !all_authenticated ? 1 : 0;
  }
#ifdef HOLDGATE_AFL_PERSISTENT
  __AFL_INIT();  // the host key and bind above are made once per fork server
  unsigned char* buffer = __AFL_FUZZ_TESTCASE_BUF;
  while (__AFL_LOOP(1000)) {
    std::size_t length = static_cast<std::size_t>(__AFL_FUZZ_TESTCASE_LEN);
    run_input(fixture, std::span<const std::uint8_t>(buffer, length));
  }
#else
  std::vector<std::uint8_t> input{std::istreambuf_iterator<char>(std::cin),
                                  std::istreambuf_iterator<char>()};
  std::cout << run_input(fixture, input).text << "\n";
#endif
  return 0;
}
