#include "ingress/proxy_header.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace holdgate::ingress {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::array<std::uint8_t, 12> v2_signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                       0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::size_t v2_fixed_length = 16;  // signature, version and command, family, length
// The shortest header of either version is "PROXY UNKNOWN\r\n": this many bytes can always be
// read first without running into the SSH stream, and they tell the versions apart.
constexpr std::size_t shortest_header = 15;

enum V2Command : std::uint8_t { local = 0x0, proxy = 0x1 };
enum V2Family : std::uint8_t { unspec = 0x0, inet = 0x1, inet6 = 0x2, unix_socket = 0x3 };
constexpr std::uint8_t v2_stream = 0x1;

bool begins_with(Bytes bytes, std::span<const std::uint8_t> prefix) {
  return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// v1 fields are separated by exactly one space, so an empty word is an error, not skipped.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    auto space = line.find(' ', start);
    out.push_back(line.substr(start, space - start));
    if (space == std::string_view::npos) return out;
    start = space + 1;
  }
}

// "PROXY TCP4 203.0.113.7 192.0.2.1 4242 22\r\n", at most 107 bytes with its CRLF.
HeaderParse parse_v1(Bytes bytes) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto lf = text.find('\n');
  if (lf == std::string_view::npos) {
    if (text.size() >= v1_max_length) {
      return BadHeader{"the PROXY v1 header is longer than " + std::to_string(v1_max_length) + " bytes"};
    }
    // The line ends in CRLF: only after a CR can a single byte finish it.
    std::size_t more = text.back() == '\r' ? 1 : 2;
    return NeedMore{std::min(more, v1_max_length - text.size())};
  }
  if (lf + 1 != text.size() || text[lf - 1] != '\r') {
    return BadHeader{"the PROXY v1 header does not end in CRLF"};
  }
  auto line = text.substr(0, lf - 1);
  // Printable text only: an address is handed to inet_pton, which would stop at a NUL.
  if (!std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
    return BadHeader{"the PROXY v1 header is not printable text"};
  }
  auto fields = words(line);
  std::string_view protocol = fields.size() > 1 ? fields[1] : "";
  // UNKNOWN: the balancer could not say; the spec has the rest of the line ignored.
  if (protocol == "UNKNOWN") return ProxyHeader{text.size(), std::nullopt};
  if (protocol != "TCP4" && protocol != "TCP6") {
    return BadHeader{"the PROXY v1 header names protocol '" + std::string(protocol) +
                     "', not TCP4, TCP6 or UNKNOWN"};
  }
  if (fields.size() != 6) {
    return BadHeader{"the PROXY v1 header does not hold exactly two addresses and two ports"};
  }
  bool v6 = protocol == "TCP6";
  const char* family = v6 ? "an IPv6" : "an IPv4";
  auto source = config::parse_ip(fields[2]);
  auto destination = config::parse_ip(fields[3]);
  if (!source || source->v6 != v6) {
    return BadHeader{"the PROXY v1 header's source '" + std::string(fields[2]) + "' is not " +
                     family + " address"};
  }
  if (!destination || destination->v6 != v6) {
    return BadHeader{"the PROXY v1 header's destination '" + std::string(fields[3]) + "' is not " +
                     family + " address"};
  }
  auto source_port = config::parse_port(fields[4]);
  if (!source_port || !config::parse_port(fields[5])) {
    return BadHeader{"the PROXY v1 header's ports are not numbers from 1 to 65535"};
  }
  return ProxyHeader{text.size(), ClientEndpoint{*source, *source_port}};
}

// 12-byte signature, version and command, family and transport, a 16-bit length, then the
// address block (source, destination, source port, destination port) and TLVs.
HeaderParse parse_v2(Bytes bytes) {
  if (bytes.size() < v2_fixed_length) return NeedMore{v2_fixed_length - bytes.size()};
  int version = bytes[12] >> 4;
  int command = bytes[12] & 0x0f;
  if (version != 2) return BadHeader{"the PROXY v2 header says version " + std::to_string(version)};
  if (command != local && command != proxy) {
    return BadHeader{"the PROXY v2 header's command is neither LOCAL nor PROXY"};
  }
  std::size_t length = v2_fixed_length + (std::size_t{bytes[14]} << 8 | bytes[15]);
  if (length > v2_max_length) {
    return BadHeader{"the PROXY v2 header is longer than " + std::to_string(v2_max_length) + " bytes"};
  }
  if (bytes.size() < length) return NeedMore{length - bytes.size()};

  // LOCAL: the balancer's own connection (a health check); the spec has its address block
  // ignored, family and all.
  if (command == local) return ProxyHeader{length, std::nullopt};
  int family = bytes[13] >> 4;
  int transport = bytes[13] & 0x0f;
  if (family > unix_socket || transport > 2) {
    return BadHeader{"the PROXY v2 header has an unknown address family or transport"};
  }
  if (family == unspec) return ProxyHeader{length, std::nullopt};
  if (family == unix_socket) {
    return BadHeader{"the PROXY v2 header names a UNIX socket, not the client's IP address"};
  }
  if (transport != v2_stream) return BadHeader{"the PROXY v2 header is not for a TCP connection"};
  std::size_t address_size = family == inet ? 4 : 16;
  if (length - v2_fixed_length < 2 * address_size + 4) {
    return BadHeader{"the PROXY v2 header's address block is too short for its family"};
  }
  ClientEndpoint client;
  client.address.v6 = family == inet6;
  auto source = bytes.subspan(v2_fixed_length, address_size);
  std::copy(source.begin(), source.end(), client.address.bytes.begin());
  std::size_t port_at = v2_fixed_length + 2 * address_size;
  client.port = static_cast<std::uint16_t>(bytes[port_at] << 8 | bytes[port_at + 1]);
  // What follows the addresses (TLVs: ALPN, TLS, cloud ids) is not needed: skipped.
  return ProxyHeader{length, client};
}

}  // namespace

HeaderParse parse_proxy_header(Bytes bytes) {
  if (bytes.size() < shortest_header) return NeedMore{shortest_header - bytes.size()};
  if (begins_with(bytes, v2_signature)) return parse_v2(bytes);
  if (begins_with(bytes, as_bytes(v1_prefix))) return parse_v1(bytes);
  return BadHeader{"the connection did not begin with a PROXY protocol header"};
}

}  // namespace holdgate::ingress
