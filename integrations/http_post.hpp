// One HTTP(S) POST, for webhooks: resolve, connect, TLS with certificate and host name checks,
// send, read the status line. Everything within one deadline, enforced by a watchdog timer that
// closes the socket (Boost 1.74 has no per-operation cancellation). No redirects, no retries:
// the caller decides what a failure means.
#pragma once

#include <chrono>
#include <string>

#include "config/integrations.hpp"
#include "runtime/net.hpp"
#include "integrations/tls.hpp"

namespace holdgate::integrations {

struct HttpPostResult {
  int status = 0;       // the response's status code; 0 when there was no response
  std::string problem;  // empty on a 2xx; otherwise one phrase, e.g. "connection refused"
  bool retry = true;    // false when trying again cannot help (a 4xx other than 408/429)

  bool ok() const { return problem.empty(); }
};

// POSTs `body` as application/json. `tls` must be set for https:// URLs; it carries the trust
// store (TlsContext below) and is only read.
awaitable<HttpPostResult> http_post(const config::HttpUrl& url, asio::ssl::context* tls,
                                    std::string body, std::chrono::milliseconds timeout);

}  // namespace holdgate::integrations
