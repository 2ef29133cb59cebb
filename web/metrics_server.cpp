#include "web/metrics_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "metrics/exposition.hpp"

namespace holdgate::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

std::string endpoint_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

http::response<http::string_body> plain(http::status status, std::string body,
                                        std::string_view content_type = "text/plain; charset=utf-8") {
  http::response<http::string_body> response(status, 11);
  response.set(http::field::content_type, std::string(content_type));
  response.set(http::field::connection, "close");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

struct MetricsServer::Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)), watchdog(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer watchdog;
};

MetricsServer::MetricsServer(asio::io_context& io, std::function<std::string()> render, EventLog& log,
                             MetricsServerLimits limits)
    : io_(io), render_(std::move(render)), log_(log), limits_(limits), acceptor_(io) {}

std::optional<std::string> MetricsServer::start(const config::Address& listen) {
  error_code ec;
  auto address = asio::ip::make_address(listen.host, ec);
  if (ec) return "metrics listen address '" + listen.host + "' is not an IP address";
  tcp::endpoint endpoint(address, listen.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen for metrics on " + endpoint_text(endpoint) + ": " + ec.message();
  log_.write("metrics-listening", {{"address", endpoint_text(endpoint)}});
  return std::nullopt;
}

void MetricsServer::run() {
  asio::co_spawn(io_, accept_loop(), [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
}

void MetricsServer::stop() {
  error_code ec;
  acceptor_.close(ec);
}

awaitable<void> MetricsServer::accept_loop() {
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
    if (*connections_ >= limits_.max_connections) {
      socket.close(ec);  // busy: the scraper retries at its next interval
      continue;
    }
    auto connection = std::make_shared<Connection>(std::move(socket));
    asio::co_spawn(io_, serve(std::move(connection)), [](std::exception_ptr) {});
  }
}

awaitable<void> MetricsServer::serve(std::shared_ptr<Connection> c) {
  ++*connections_;
  struct Release {
    std::shared_ptr<int> count;
    ~Release() { --*count; }
  } release{connections_};

  // The deadline covers the whole exchange: a slow reader cannot hold its slot either.
  c->watchdog.expires_after(limits_.deadline);
  c->watchdog.async_wait([weak = std::weak_ptr<Connection>(c)](error_code ec) {
    if (auto connection = weak.lock(); connection && !ec) connection->socket.close(ec);
  });

  beast::flat_buffer buffer(limits_.max_request_bytes);
  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits_.max_request_bytes));
  parser.body_limit(0);
  error_code ec;
  co_await http::async_read(c->socket, buffer, parser, asio::redirect_error(use_awaitable, ec));

  http::response<http::string_body> response;
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    response = plain(http::status::request_header_fields_too_large, "request too large\n");
  } else if (ec == http::error::body_limit) {
    response = plain(http::status::payload_too_large, "no request body is accepted\n");
  } else if (ec) {
    co_return;  // gone, timed out or not HTTP: nothing to answer
  } else {
    const auto& request = parser.get();
    std::string_view target(request.target().data(), request.target().size());
    bool scrape = target == "/metrics" || target.starts_with("/metrics?");
    if (scrape && (request.method() == http::verb::get || request.method() == http::verb::head)) {
      response = plain(http::status::ok, render_(), metrics::content_type);
      if (request.method() == http::verb::head) {
        response.content_length(response.body().size());
        response.body().clear();
      }
    } else {
      response = plain(http::status::not_found, "not found: try /metrics\n");
    }
  }
  co_await http::async_write(c->socket, response, asio::redirect_error(use_awaitable, ec));
  c->socket.shutdown(tcp::socket::shutdown_send, ec);
  c->watchdog.cancel();
  c->socket.close(ec);
}

}  // namespace holdgate::web
