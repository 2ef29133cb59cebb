#include "web/metrics_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "metrics/exposition.hpp"

namespace holdgate::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

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
    : render_(std::move(render)), log_(log), limits_(limits), listener_(io, limits.max_connections) {}

std::optional<std::string> MetricsServer::start(const config::Address& listen) {
  std::string bound;
  if (auto problem = listener_.bind(listen.host, listen.port, "metrics", &bound)) return problem;
  log_.write("metrics-listening", {{"address", bound}});
  return std::nullopt;
}

void MetricsServer::run() {
  listener_.run([this](tcp::socket socket) { return serve(std::make_shared<Connection>(std::move(socket))); });
}

void MetricsServer::stop() { listener_.stop(); }

awaitable<void> MetricsServer::serve(std::shared_ptr<Connection> c) {
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
