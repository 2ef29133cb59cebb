#include "proxy_header_reader.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace holdgate::proxy {
namespace {

// What the watchdog touches. It may fire after the reader has finished (its handler already
// queued), so it reaches the socket only while the reader still holds this.
struct Watch {
  tcp::socket& socket;
  bool fired = false;
};

}  // namespace

awaitable<std::variant<ingress::ProxyHeader, std::string>> read_proxy_header(
    tcp::socket& socket, SteadyClock::duration timeout) {
  auto watch = std::make_shared<Watch>(Watch{socket});
  asio::steady_timer watchdog(socket.get_executor(), timeout);
  watchdog.async_wait([weak = std::weak_ptr<Watch>(watch)](error_code ec) {
    auto watch = weak.lock();
    if (ec || !watch) return;
    watch->fired = true;
    error_code ignored;
    watch->socket.cancel(ignored);
  });

  std::vector<std::uint8_t> bytes;
  for (;;) {
    auto parsed = ingress::parse_proxy_header(bytes);
    auto* more = std::get_if<ingress::NeedMore>(&parsed);
    if (!more) {
      watchdog.cancel();
      if (auto* bad = std::get_if<ingress::BadHeader>(&parsed)) co_return bad->reason;
      co_return std::get<ingress::ProxyHeader>(parsed);
    }
    auto had = bytes.size();
    bytes.resize(had + more->bytes);
    error_code ec;
    // A bounded buffer: async_read fills exactly these bytes, never reading beyond them.
    auto got = co_await asio::async_read(socket, asio::buffer(bytes.data() + had, more->bytes),
                              asio::redirect_error(use_awaitable, ec));
    if (watch->fired) {
      auto seconds = std::chrono::ceil<std::chrono::seconds>(timeout).count();
      co_return "no complete PROXY protocol header within " + std::to_string(seconds) + "s";
    }
    if (ec == asio::error::eof) {
      co_return std::string(had + got == 0 ? "closed without sending a PROXY protocol header"
                                     : "closed in the middle of its PROXY protocol header");
    }
    if (ec) {
      watchdog.cancel();
      co_return "cannot read its PROXY protocol header: " + ec.message();
    }
  }
}

}  // namespace holdgate::proxy
