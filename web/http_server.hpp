// The reviewer web page's listener: HTTP/1.1 over TLS (or plain HTTP, on loopback only: config
// refuses it elsewhere) on the event loop, with Boost.Beast. It knows nothing of requests or
// reviewers: each request, read within bounds, goes to a handler (web/web_app.hpp) and its
// answer is written with the security headers every page carries. An answer may instead be a
// stream (Server-Sent Events), which then owns the connection until it ends.
//
// Bounds: the request head 8 KiB and the body 8 KiB (a form); each exchange has a deadline
// (a stream has its own, longer one); at most max_connections at once, more are closed at once;
// the TLS handshake counts against the same deadline. One request per connection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/ssl.hpp>

#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "runtime/net.hpp"
#include "web/bounded_listener.hpp"

namespace holdgate::web {

struct WebRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string cookie;  // the Cookie header
  std::string content_type;
  std::string body;
  std::string client;  // "ip:port" of the browser
};

// Writes one chunk of a stream to the browser; false when it is gone or too slow.
using StreamWrite = std::function<awaitable<bool>(std::string)>;

struct WebResponse {
  unsigned status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Location, Set-Cookie, ...
  bool cacheable = false;  // static assets; everything else is Cache-Control: no-store
  // Set for GET /events: written after a text/event-stream head, until it returns.
  std::function<awaitable<void>(StreamWrite)> stream;
};

using WebHandler = std::function<awaitable<WebResponse>(WebRequest)>;

struct HttpServerLimits {
  std::size_t max_head_bytes = 8192;
  std::size_t max_body_bytes = 8192;
  std::chrono::milliseconds deadline = std::chrono::seconds(10);  // TLS, read, answer
  std::chrono::milliseconds write_deadline = std::chrono::seconds(10);  // one stream chunk
  int max_connections = 64;
};

// The TLS context for `web.tls` (certificate chain and key loaded, TLS 1.2 at least), or one
// sentence saying why not. serve uses it, and doctor/check-config check with it.
std::variant<std::unique_ptr<asio::ssl::context>, std::string> load_tls_server_context(
    const config::WebSettings& web);

// The headers every answer carries (strict CSP, nosniff, no referrer, no framing), in order.
std::vector<std::pair<std::string, std::string>> security_headers(bool cacheable);

class HttpServer {
 public:
  HttpServer(asio::io_context& io, WebHandler handler, EventLog& log, HttpServerLimits limits = {});
  ~HttpServer();

  // Loads the certificate and key when `web` has tls, and binds web.listen. An error is one
  // sentence for the operator.
  std::optional<std::string> start(const config::WebSettings& web);
  void run();
  void stop();

 private:
  struct Connection;
  awaitable<void> serve(std::shared_ptr<Connection> connection);
  template <class Stream>
  awaitable<void> exchange(Stream& stream, Connection& connection);

  WebHandler handler_;
  EventLog& log_;
  HttpServerLimits limits_;
  BoundedListener listener_;  // the accept loop and the connection cap, shared with /metrics
  std::unique_ptr<asio::ssl::context> tls_;
};

}  // namespace holdgate::web
