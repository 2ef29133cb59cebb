// The /metrics endpoint: plain HTTP/1.1 on the event loop (Boost.Beast), one request per
// connection. GET /metrics answers the registry's text; every other path is 404. Nobody can tie
// it up: a request's head is capped (8 KiB, no body), each connection has a deadline for the
// whole exchange, and at most a few connections are served at once (more are closed at once).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "runtime/net.hpp"
#include "web/bounded_listener.hpp"

namespace holdgate::web {

struct MetricsServerLimits {
  std::size_t max_request_bytes = 8192;  // the request line and headers
  std::chrono::milliseconds deadline = std::chrono::seconds(5);  // read, answer, close
  int max_connections = 8;  // a scraper needs one; a few more for people with curl
};

class MetricsServer {
 public:
  // `render` produces the body of GET /metrics (called on the loop, per request).
  MetricsServer(asio::io_context& io, std::function<std::string()> render, EventLog& log,
                MetricsServerLimits limits = {});

  // Binds `listen`. An error is one sentence for the operator.
  std::optional<std::string> start(const config::Address& listen);
  // Accepts until stop().
  void run();
  void stop();

 private:
  struct Connection;
  awaitable<void> serve(std::shared_ptr<Connection> connection);

  std::function<std::string()> render_;
  EventLog& log_;
  MetricsServerLimits limits_;
  BoundedListener listener_;  // the accept loop and the connection cap (web/bounded_listener.hpp)
};

}  // namespace holdgate::web
