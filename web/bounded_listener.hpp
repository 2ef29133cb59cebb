// The accept loop of holdgate's small HTTP endpoints (/metrics, the reviewer web page), one
// definition: binds an address, accepts until stopped, backs off briefly on an accept error
// (EMFILE) instead of spinning, and closes at once any connection beyond max_connections. Each
// accepted socket is served in its own coroutine, and counted until that coroutine ends.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/event_log.hpp"
#include "runtime/net.hpp"

namespace holdgate::web {

// "127.0.0.1:9312", "[::1]:8443"
std::string endpoint_text(const tcp::endpoint& endpoint);

class BoundedListener {
 public:
  using Serve = std::function<awaitable<void>(tcp::socket)>;

  BoundedListener(asio::io_context& io, int max_connections);

  // Binds host:port ("localhost" means 127.0.0.1). `what` names the endpoint in the sentence
  // of a failure ("metrics", "the web page"); nullopt once listening, with the address bound
  // in *bound.
  std::optional<std::string> bind(const std::string& host, std::uint16_t port, std::string_view what,
                                  std::string* bound = nullptr);
  // Accepts until stop(), each connection to `serve`.
  void run(Serve serve);
  void stop();
  int connections() const { return *connections_; }

 private:
  awaitable<void> accept_loop();
  static awaitable<void> counted(std::shared_ptr<int> connections, std::shared_ptr<Serve> serve,
                                 tcp::socket socket);

  asio::io_context& io_;
  int max_connections_;
  tcp::acceptor acceptor_;
  std::shared_ptr<Serve> serve_;
  std::shared_ptr<int> connections_ = std::make_shared<int>(0);  // outlives the listener's frames
};

}  // namespace holdgate::web
