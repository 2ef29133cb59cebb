#include "web/bounded_listener.hpp"

namespace holdgate::web {

std::string endpoint_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

BoundedListener::BoundedListener(asio::io_context& io, int max_connections)
    : io_(io), max_connections_(max_connections), acceptor_(io) {}

std::optional<std::string> BoundedListener::bind(const std::string& host, std::uint16_t port,
                                                 std::string_view what, std::string* bound) {
  error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return std::string(what) + " listen address '" + host + "' is not an IP address";
  tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen for " + std::string(what) + " on " + endpoint_text(endpoint) + ": " + ec.message();
  if (bound) *bound = endpoint_text(endpoint);
  return std::nullopt;
}

void BoundedListener::run(Serve serve) {
  serve_ = std::make_shared<Serve>(std::move(serve));
  asio::co_spawn(io_, accept_loop(), [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
}

void BoundedListener::stop() {
  error_code ec;
  acceptor_.close(ec);
}

awaitable<void> BoundedListener::accept_loop() {
  while (acceptor_.is_open()) {
    error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // e.g. EMFILE: back off briefly instead of spinning on the same error.
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    if (*connections_ >= max_connections_) {
      socket.close(ec);  // busy: the client tries again
      continue;
    }
    asio::co_spawn(io_, counted(connections_, serve_, std::move(socket)), [](std::exception_ptr) {});
  }
}

awaitable<void> BoundedListener::counted(std::shared_ptr<int> connections, std::shared_ptr<Serve> serve,
                                         tcp::socket socket) {
  ++*connections;
  struct Release {
    std::shared_ptr<int> count;
    ~Release() { --*count; }
  } release{connections};
  co_await (*serve)(std::move(socket));
}

}  // namespace holdgate::web
