// The PROXY protocol header parser (ingress/), driven the way the accept path drives it: read
// exactly what NeedMore asks for, parse again. Every row also checks that what is left unread
// is exactly what followed the header, so no SSH byte is ever swallowed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/network.hpp"
#include "ingress/proxy_header.hpp"

namespace cfg = holdgate::config;
namespace ing = holdgate::ingress;

namespace {

using Bytes = std::vector<std::uint8_t>;

const std::string ssh_banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A v2 header: signature, version/command byte, family/transport byte, then `block`.
Bytes v2(std::uint8_t version_command, std::uint8_t family_transport, const Bytes& block) {
  Bytes out = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
               version_command, family_transport,
               static_cast<std::uint8_t>(block.size() >> 8), static_cast<std::uint8_t>(block.size())};
  return out + block;
}

Bytes first(std::size_t n, const Bytes& bytes) { return Bytes(bytes.begin(), bytes.begin() + n); }

Bytes address(const std::string& text) {
  auto ip = cfg::parse_ip(text);
  REQUIRE(ip.has_value());
  return Bytes(ip->bytes.begin(), ip->bytes.begin() + (ip->v6 ? 16 : 4));
}

Bytes port(std::uint16_t value) { return {static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)}; }

Bytes tcp4_block() { return address("203.0.113.7") + address("192.0.2.1") + port(4242) + port(22); }
Bytes tcp6_block() { return address("2001:db8::7") + address("2001:db8::1") + port(4242) + port(22); }

struct Outcome {
  std::string verdict;  // "client 203.0.113.7:4242", "own connection", "more", or the reason
  std::size_t unread = 0;  // bytes of the input never read
};

// Reads `input` as the socket reader does: only what NeedMore asks for, never more.
Outcome drive(const Bytes& input) {
  Bytes read;
  for (;;) {
    auto parsed = ing::parse_proxy_header(read);
    if (auto* more = std::get_if<ing::NeedMore>(&parsed)) {
      REQUIRE(more->bytes > 0);
      if (read.size() + more->bytes > input.size()) return {"more", input.size() - read.size()};
      read.insert(read.end(), input.begin() + read.size(), input.begin() + read.size() + more->bytes);
      continue;
    }
    std::size_t unread = input.size() - read.size();
    if (auto* bad = std::get_if<ing::BadHeader>(&parsed)) return {bad->reason, unread};
    auto& header = std::get<ing::ProxyHeader>(parsed);
    CHECK(header.length == read.size());
    if (!header.client) return {"own connection", unread};
    return {"client " + cfg::to_string(header.client->address) + ":" +
                std::to_string(header.client->port),
            unread};
  }
}

}  // namespace

TEST_CASE("PROXY v1 headers: TCP4, TCP6, UNKNOWN, and what is wrong with bad ones", "[ingress]") {
  const std::size_t banner = ssh_banner.size();
  const std::string longest_v6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string longest = "PROXY UNKNOWN " + longest_v6 + " " + longest_v6 + " 65535 65535\r\n";
  REQUIRE(longest.size() == 107);
  struct Row {
    std::string input;
    std::string verdict;
    std::size_t unread;
  };
  for (const auto& row : std::vector<Row>{
           {"PROXY TCP4 203.0.113.7 192.0.2.1 4242 22\r\n" + ssh_banner, "client 203.0.113.7:4242", banner},
           {"PROXY TCP6 2001:db8::7 2001:db8::1 4242 22\r\n" + ssh_banner, "client 2001:db8::7:4242", banner},
           {"PROXY TCP6 ::ffff:203.0.113.7 ::1 1 65535\r\n", "client ::ffff:203.0.113.7:1", 0},
           {"PROXY UNKNOWN\r\n" + ssh_banner, "own connection", banner},
           {"PROXY UNKNOWN whatever follows is ignored\r\n" + ssh_banner, "own connection", banner},
           {longest + ssh_banner, "own connection", banner},
           // truncated: asks for more, and has not read beyond what it was given
           {"", "more", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 4242 2", "more", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 4242 22\r", "more", 0},
           // not a header at all
           {ssh_banner, "the connection did not begin with a PROXY protocol header", banner - 15},
           {"GET / HTTP/1.1\r\nHost: x\r\n", "the connection did not begin with a PROXY protocol header", 10},
           {"PROXY\tTCP4 203.0.113.7 192.0.2.1 4242 22\r\n",
            "the connection did not begin with a PROXY protocol header", 27},
           // overlong, and line ends
           {"PROXY UNKNOWN " + longest_v6 + " " + longest_v6 + " 65535 655350\r\n",
            "the PROXY v1 header is longer than 107 bytes", 1},
           {"PROXY TCP4 " + std::string(300, '1'), "the PROXY v1 header is longer than 107 bytes", 204},
           {"PROXY UNKNOWN\n" + ssh_banner, "the PROXY v1 header does not end in CRLF", banner - 1},
           {"PROXY TCP4 203.0.113.7\n192.0.2.1 4242 22\r\n", "the PROXY v1 header does not end in CRLF", 19},
           // protocol and fields
           {"PROXY TCP5 203.0.113.7 192.0.2.1 4242 22\r\n",
            "the PROXY v1 header names protocol 'TCP5', not TCP4, TCP6 or UNKNOWN", 0},
           {"PROXY tcp4 203.0.113.7 192.0.2.1 4242 22\r\n",
            "the PROXY v1 header names protocol 'tcp4', not TCP4, TCP6 or UNKNOWN", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 4242\r\n",
            "the PROXY v1 header does not hold exactly two addresses and two ports", 0},
           {"PROXY TCP4 203.0.113.7  192.0.2.1 4242 22\r\n",
            "the PROXY v1 header does not hold exactly two addresses and two ports", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 4242 22 \r\n",
            "the PROXY v1 header does not hold exactly two addresses and two ports", 0},
           // addresses
           {"PROXY TCP4 2001:db8::7 192.0.2.1 4242 22\r\n",
            "the PROXY v1 header's source '2001:db8::7' is not an IPv4 address", 0},
           {"PROXY TCP6 203.0.113.7 2001:db8::1 4242 22\r\n",
            "the PROXY v1 header's source '203.0.113.7' is not an IPv6 address", 0},
           {"PROXY TCP4 203.0.113.256 192.0.2.1 4242 22\r\n",
            "the PROXY v1 header's source '203.0.113.256' is not an IPv4 address", 0},
           {"PROXY TCP4 203.0.113.07 192.0.2.1 4242 22\r\n",
            "the PROXY v1 header's source '203.0.113.07' is not an IPv4 address", 0},
           {"PROXY TCP4 bastion.example 192.0.2.1 4242 22\r\n",
            "the PROXY v1 header's source 'bastion.example' is not an IPv4 address", 0},
           {"PROXY TCP4 203.0.113.7 ::1 4242 22\r\n",
            "the PROXY v1 header's destination '::1' is not an IPv4 address", 0},
           {std::string("PROXY TCP4 203.0.113.7\0x 192.0.2.1 4242 22\r\n", 44),
            "the PROXY v1 header is not printable text", 0},
           // ports
           {"PROXY TCP4 203.0.113.7 192.0.2.1 65536 22\r\n",
            "the PROXY v1 header's ports are not numbers from 1 to 65535", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 0 22\r\n",
            "the PROXY v1 header's ports are not numbers from 1 to 65535", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 -1 22\r\n",
            "the PROXY v1 header's ports are not numbers from 1 to 65535", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 4242 2x\r\n",
            "the PROXY v1 header's ports are not numbers from 1 to 65535", 0},
           {"PROXY TCP4 203.0.113.7 192.0.2.1 4242 999999\r\n",
            "the PROXY v1 header's ports are not numbers from 1 to 65535", 0},
       }) {
    INFO(row.input);
    auto outcome = drive(bytes_of(row.input));
    CHECK(outcome.verdict == row.verdict);
    CHECK(outcome.unread == row.unread);
  }
}

TEST_CASE("PROXY v2 headers: PROXY and LOCAL, IPv4 and IPv6, TLVs, and bad ones", "[ingress]") {
  const Bytes banner = bytes_of(ssh_banner);
  const Bytes tlvs = {0x01, 0x00, 0x02, 'h', '2',         // ALPN "h2"
                      0x04, 0x00, 0x03, 0x00, 0x00, 0x00,  // NOOP padding
                      0xEA, 0x00, 0x01, 0x7f};             // a cloud vendor's own type
  struct Row {
    std::string name;
    Bytes input;
    std::string verdict;
    std::size_t unread;
  };
  for (const auto& row : std::vector<Row>{
           {"PROXY TCP4", v2(0x21, 0x11, tcp4_block()) + banner, "client 203.0.113.7:4242", banner.size()},
           {"PROXY TCP6", v2(0x21, 0x21, tcp6_block()) + banner, "client 2001:db8::7:4242", banner.size()},
           {"TLVs skipped", v2(0x21, 0x11, tcp4_block() + tlvs) + banner, "client 203.0.113.7:4242",
            banner.size()},
           {"LOCAL, no addresses", v2(0x20, 0x00, {}) + banner, "own connection", banner.size()},
           {"LOCAL with IPv4 addresses", v2(0x20, 0x11, tcp4_block()) + banner, "own connection",
            banner.size()},
           {"LOCAL with IPv6 addresses", v2(0x20, 0x21, tcp6_block()) + banner, "own connection",
            banner.size()},
           {"PROXY UNSPEC", v2(0x21, 0x00, {}) + banner, "own connection", banner.size()},
           // truncated
           {"signature only", first(12, v2(0x21, 0x11, tcp4_block())), "more", 12},
           {"address block cut", first(21, v2(0x21, 0x11, tcp4_block())), "more", 5},
           // bad
           {"version 1", v2(0x11, 0x11, tcp4_block()), "the PROXY v2 header says version 1", 12},
           {"command 2", v2(0x22, 0x11, tcp4_block()),
            "the PROXY v2 header's command is neither LOCAL nor PROXY", 12},
           {"UNIX socket", v2(0x21, 0x31, Bytes(216, 0)) + banner,
            "the PROXY v2 header names a UNIX socket, not the client's IP address", banner.size()},
           {"UDP", v2(0x21, 0x12, tcp4_block()), "the PROXY v2 header is not for a TCP connection", 0},
           {"unknown family", v2(0x21, 0x41, tcp4_block()),
            "the PROXY v2 header has an unknown address family or transport", 0},
           {"unknown transport", v2(0x21, 0x13, tcp4_block()),
            "the PROXY v2 header has an unknown address family or transport", 0},
           {"IPv4 block too short", v2(0x21, 0x11, Bytes(8, 1)),
            "the PROXY v2 header's address block is too short for its family", 0},
           {"IPv6 block with IPv4 addresses", v2(0x21, 0x21, tcp4_block()),
            "the PROXY v2 header's address block is too short for its family", 0},
           // refused from the fixed 16 bytes, before the 3000 are read
           {"overlong", v2(0x21, 0x11, tcp4_block() + Bytes(3000, 0)),
            "the PROXY v2 header is longer than 2064 bytes", 3012},
       }) {
    INFO(row.name);
    auto outcome = drive(row.input);
    CHECK(outcome.verdict == row.verdict);
    CHECK(outcome.unread == row.unread);
  }
}

TEST_CASE("PROXY v2 at the length cap is read whole, one byte more is refused", "[ingress]") {
  auto block = tcp4_block();
  block.resize(ing::v2_max_length - 16, 0);  // padded as a TLV area
  CHECK(drive(v2(0x21, 0x11, block)).verdict == "client 203.0.113.7:4242");
  block.push_back(0);
  CHECK(drive(v2(0x21, 0x11, block)).verdict == "the PROXY v2 header is longer than 2064 bytes");
}
