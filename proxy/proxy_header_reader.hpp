// Reads the PROXY protocol header a load balancer sends before its client's first byte
// (ingress/proxy_header.hpp decides what is valid): exactly the header's bytes and never one
// more, so that libssh, handed the socket next, sees the stream from the client's SSH banner on.
#pragma once

#include <string>
#include <variant>

#include "ingress/proxy_header.hpp"
#include "runtime/net.hpp"

namespace holdgate::proxy {

// The header, or why there is none (one sentence for the log). Gives up after `timeout`.
awaitable<std::variant<ingress::ProxyHeader, std::string>> read_proxy_header(
    tcp::socket& socket, SteadyClock::duration timeout);

}  // namespace holdgate::proxy
