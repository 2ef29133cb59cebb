// The PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text and v2 binary) that a load
// balancer sends before the client's first byte, saying who the client is. Pure: bytes in, a
// verdict out; the caller reads from the socket exactly what NeedMore asks for, so it never
// takes a byte of the SSH stream that follows the header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "config/network.hpp"

namespace holdgate::ingress {

// The longest headers accepted: v1's maximum line, and v2's 16 bytes plus an address block
// and TLVs. v2 allows 64 KiB, but nothing a load balancer sends (addresses, ALPN, TLS and
// cloud TLVs) comes near 2 KiB, and the cap bounds what a connection can make us hold.
constexpr std::size_t v1_max_length = 107;
constexpr std::size_t v2_max_length = 16 + 2048;

struct ClientEndpoint {
  config::IpAddress address;
  std::uint16_t port = 0;
};

struct ProxyHeader {
  std::size_t length = 0;  // the header's bytes; the SSH stream starts right after them
  // The client the load balancer speaks for. nullopt for v2 LOCAL (the balancer's own health
  // check), v1 UNKNOWN and v2 UNSPEC: the connection is then taken as the balancer's own.
  std::optional<ClientEndpoint> client;
};

// Not enough yet: read exactly `bytes` more (never past the header's end), then parse again.
struct NeedMore {
  std::size_t bytes = 0;
};

struct BadHeader {
  std::string reason;  // one plain sentence, no trailing period
};

using HeaderParse = std::variant<NeedMore, ProxyHeader, BadHeader>;

// Parses the start of a connection: `bytes` is everything read so far (empty at first).
HeaderParse parse_proxy_header(std::span<const std::uint8_t> bytes);

}  // namespace holdgate::ingress
