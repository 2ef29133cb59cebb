#include "web/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>

namespace holdgate::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

http::response<http::string_body> plain(unsigned status, std::string sentence) {
  http::response<http::string_body> response(static_cast<http::status>(status), 11);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  for (auto& [name, value] : security_headers(false)) response.set(name, value);
  response.set(http::field::connection, "close");
  response.body() = std::move(sentence);
  response.prepare_payload();
  return response;
}

}  // namespace

std::variant<std::unique_ptr<asio::ssl::context>, std::string> load_tls_server_context(
    const config::WebSettings& web) {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  error_code ec;
  tls->use_certificate_chain_file(web.tls_cert.string(), ec);
  if (ec) return "cannot load the web certificate " + web.tls_cert.string() + ": " + ec.message();
  tls->use_private_key_file(web.tls_key.string(), asio::ssl::context::pem, ec);
  if (ec) return "cannot load the web key " + web.tls_key.string() + ": " + ec.message();
  if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
    return "the web key " + web.tls_key.string() + " does not match the certificate " + web.tls_cert.string();
  }
  return tls;
}

std::vector<std::pair<std::string, std::string>> security_headers(bool cacheable) {
  return {{"Content-Security-Policy", kContentSecurityPolicy},
          {"X-Content-Type-Options", "nosniff"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Frame-Options", "DENY"},
          {"Cache-Control", cacheable ? "public, max-age=86400" : "no-store"}};
}

struct HttpServer::Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(tcp::socket s) : socket(std::move(s)), watchdog(socket.get_executor()) {}
  // Closes the socket unless disarm() or arm() comes first.
  void arm(std::chrono::milliseconds deadline) {
    watchdog.expires_after(deadline);
    watchdog.async_wait([weak = weak_from_this()](error_code e) {
      if (auto connection = weak.lock(); connection && !e) connection->socket.close(e);
    });
  }
  void disarm() { watchdog.cancel(); }
  tcp::socket socket;
  asio::steady_timer watchdog;
  std::string client;
};

HttpServer::HttpServer(asio::io_context& io, WebHandler handler, EventLog& log, HttpServerLimits limits)
    : handler_(std::move(handler)), log_(log), limits_(limits), listener_(io, limits.max_connections) {}

HttpServer::~HttpServer() = default;

std::optional<std::string> HttpServer::start(const config::WebSettings& web) {
  if (!web.listen) return "web.listen is not set";
  if (web.tls()) {
    auto loaded = load_tls_server_context(web);
    if (auto* problem = std::get_if<std::string>(&loaded)) return *problem;
    tls_ = std::move(std::get<std::unique_ptr<asio::ssl::context>>(loaded));
  }
  std::string bound;
  if (auto problem = listener_.bind(web.listen->host, web.listen->port, "the web page", &bound)) return problem;
  log_.write("web-listening", {{"address", bound}, {"tls", tls_ ? "yes" : "no"}});
  return std::nullopt;
}

void HttpServer::run() {
  listener_.run([this](tcp::socket socket) { return serve(std::make_shared<Connection>(std::move(socket))); });
}

void HttpServer::stop() { listener_.stop(); }

awaitable<void> HttpServer::serve(std::shared_ptr<Connection> c) {
  error_code ec;
  auto remote = c->socket.remote_endpoint(ec);
  if (ec) co_return;
  c->client = endpoint_text(remote);

  // The deadline covers the handshake, the request and the answer: a slow client cannot hold a
  // slot. A stream re-arms it per chunk it writes.
  c->arm(limits_.deadline);
  if (tls_) {
    asio::ssl::stream<tcp::socket&> stream(c->socket, *tls_);
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    if (!ec) co_await exchange(stream, *c);
    if (!ec && c->socket.is_open()) {
      // A bounded close_notify.
      c->arm(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
    }
  } else {
    co_await exchange(c->socket, *c);
  }
  c->socket.shutdown(tcp::socket::shutdown_send, ec);
  c->disarm();
  c->socket.close(ec);
}

template <class Stream>
awaitable<void> HttpServer::exchange(Stream& stream, Connection& c) {
  beast::flat_buffer buffer(limits_.max_head_bytes + limits_.max_body_bytes);
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits_.max_head_bytes));
  parser.body_limit(limits_.max_body_bytes);
  error_code ec;
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    auto response = plain(431, "The request is too large.\n");
    co_await http::async_write(stream, response, asio::redirect_error(use_awaitable, ec));
    co_return;
  }
  if (ec == http::error::body_limit) {
    auto response = plain(413, "The form is too large.\n");
    co_await http::async_write(stream, response, asio::redirect_error(use_awaitable, ec));
    co_return;
  }
  if (ec) co_return;  // gone, timed out or not HTTP

  auto& request = parser.get();
  WebRequest in;
  in.method = std::string(request.method_string());
  in.target = std::string(request.target());
  in.cookie = std::string(request[http::field::cookie]);
  in.content_type = std::string(request[http::field::content_type]);
  in.body = std::move(request.body());
  in.client = c.client;
  WebResponse out = co_await handler_(std::move(in));

  if (out.stream) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n";
    for (auto& [name, value] : security_headers(false)) head += name + ": " + value + "\r\n";
    head += "Connection: close\r\n\r\n";
    co_await asio::async_write(stream, asio::buffer(head), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    // Each chunk must go out within write_deadline, or the connection is closed (a browser that
    // stops reading cannot make holdgate buffer).
    StreamWrite write = [&stream, &c, this](std::string chunk) -> awaitable<bool> {
      error_code e;
      c.arm(limits_.write_deadline);
      co_await asio::async_write(stream, asio::buffer(chunk), asio::redirect_error(use_awaitable, e));
      c.disarm();
      co_return !e && c.socket.is_open();
    };
    // Between chunks the stream waits on its own; the watchdog only guards the writes.
    c.disarm();
    co_await out.stream(write);
    co_return;
  }

  http::response<http::string_body> response(static_cast<http::status>(out.status), 11);
  response.set(http::field::content_type, out.content_type);
  for (auto& [name, value] : security_headers(out.cacheable)) response.set(name, value);
  for (auto& [name, value] : out.headers) response.insert(name, value);
  response.set(http::field::connection, "close");
  response.body() = std::move(out.body);
  response.prepare_payload();
  co_await http::async_write(stream, response, asio::redirect_error(use_awaitable, ec));
}

}  // namespace holdgate::web
