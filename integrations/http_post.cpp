#include "integrations/http_post.hpp"

#include <openssl/ssl.h>

#include <optional>

#include "holdgate/version.hpp"

namespace holdgate::integrations {
namespace {

namespace http = beast::http;
namespace ssl = asio::ssl;

// A response larger than this is not read: only the status line matters.
constexpr std::uint32_t max_response_header = 16 * 1024;

// Everything one attempt owns, shared with its watchdog: the watchdog may fire while the
// coroutine is suspended in any step, and must find the resolver and socket still there.
template <class Stream>
struct Attempt {
  template <class... StreamArgs>
  explicit Attempt(asio::any_io_executor ex, StreamArgs&&... args)
      : resolver(ex), stream(ex, std::forward<StreamArgs>(args)...), watchdog(ex) {}

  tcp::resolver resolver;
  Stream stream;
  asio::steady_timer watchdog;
  bool timed_out = false;
};

bool is_ip_address(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// "hooks.example", "hooks.example:8443", "[::1]:8080": what the Host header needs.
std::string host_header(const config::HttpUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const bool default_port = url.port == (url.https ? 443 : 80);
  return default_port ? host : host + ":" + std::to_string(url.port);
}

HttpPostResult failure(std::string problem, bool retry = true) { return {0, std::move(problem), retry}; }

// A status that is not 2xx: worth retrying when the receiver is busy or broken (408, 429, 5xx),
// not when it rejects the request itself (another 4xx) or redirects (not followed).
HttpPostResult from_status(int status) {
  if (status >= 200 && status < 300) return {status, {}, false};
  const bool retry = status == 408 || status == 429 || status >= 500;
  std::string problem = "the receiver answered HTTP " + std::to_string(status);
  if (status >= 300 && status < 400) problem += " (redirects are not followed)";
  return {status, std::move(problem), retry};
}

template <class Stream>
awaitable<HttpPostResult> post_over(std::shared_ptr<Attempt<Stream>> a, const config::HttpUrl& url,
                                    std::string body, std::chrono::milliseconds timeout) {
  a->watchdog.expires_after(timeout);
  a->watchdog.async_wait([weak = std::weak_ptr<Attempt<Stream>>(a)](error_code ec) {
    auto attempt = weak.lock();
    if (ec || !attempt) return;
    attempt->timed_out = true;
    attempt->resolver.cancel();
    beast::get_lowest_layer(attempt->stream).close();
  });
  auto timeout_text = [&] {
    return "no answer within " + std::to_string(timeout.count() / 1000) + "s";
  };
  auto problem = [&](const char* step, const error_code& ec) {
    if (a->timed_out) return failure(timeout_text());
    return failure(std::string(step) + ": " + ec.message());
  };

  error_code ec;
  auto endpoints = co_await a->resolver.async_resolve(url.host, std::to_string(url.port),
                                                      asio::redirect_error(use_awaitable, ec));
  if (ec || a->timed_out) co_return problem("cannot resolve the host", ec);
  auto& socket = beast::get_lowest_layer(a->stream);
  co_await socket.async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
  if (ec || a->timed_out) co_return problem("cannot connect", ec);

  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    // SNI (never for an IP literal, RFC 6066), then the chain against the trust store and the
    // certificate's names against the URL's host (or its IP SANs for an address).
    if (!is_ip_address(url.host)) SSL_set_tlsext_host_name(a->stream.native_handle(), url.host.c_str());
    a->stream.set_verify_mode(ssl::verify_peer);
    a->stream.set_verify_callback(ssl::host_name_verification(url.host));
    co_await a->stream.async_handshake(ssl::stream_base::client,
                                       asio::redirect_error(use_awaitable, ec));
    if (ec || a->timed_out) co_return problem("TLS handshake failed", ec);
  }

  http::request<http::string_body> request{http::verb::post, url.target, 11};
  request.set(http::field::host, host_header(url));
  request.set(http::field::user_agent, std::string("holdgate/") + holdgate::version);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(false);
  request.body() = std::move(body);
  request.prepare_payload();
  co_await http::async_write(a->stream, request, asio::redirect_error(use_awaitable, ec));
  if (ec || a->timed_out) co_return problem("cannot send the request", ec);

  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.header_limit(max_response_header);
  co_await http::async_read_header(a->stream, buffer, parser,
                                   asio::redirect_error(use_awaitable, ec));
  if (ec || a->timed_out) co_return problem("no valid response", ec);
  a->watchdog.cancel();
  // Connection: close was asked for; the body does not matter, so no TLS close_notify dance.
  socket.close();
  co_return from_status(parser.get().result_int());
}

}  // namespace

awaitable<HttpPostResult> http_post(const config::HttpUrl& url, ssl::context* tls,
                                    std::string body, std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  if (!url.https) {
    auto attempt = std::make_shared<Attempt<beast::tcp_stream>>(ex);
    co_return co_await post_over(attempt, url, std::move(body), timeout);
  }
  if (tls == nullptr) co_return failure("no TLS context for an https:// URL", false);
  auto attempt = std::make_shared<Attempt<beast::ssl_stream<beast::tcp_stream>>>(ex, *tls);
  co_return co_await post_over(attempt, url, std::move(body), timeout);
}

}  // namespace holdgate::integrations
