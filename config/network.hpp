// IP addresses and networks as plain values, for per-source limits and exemption lists.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace holdgate::config {

// An IPv4 address lives in the first 4 bytes; the rest stay zero, so values compare as keys.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  auto operator<=>(const IpAddress&) const = default;
};

// "10.0.0.0/8", "2001:db8::/32"; a bare address is a network of one (/32 or /128).
struct Network {
  IpAddress address;  // host bits already cleared
  int prefix = 32;
};

// "192.0.2.7", "2001:db8::1". nullopt for anything else (no names, no brackets, no zone).
std::optional<IpAddress> parse_ip(std::string_view text);
std::optional<Network> parse_network(std::string_view text);

// `address` with every bit after the first `prefix` cleared.
IpAddress masked(const IpAddress& address, int prefix);

// A TCP port in decimal, 1 to 65535, nothing else around it ("22", not "22x" or "0").
std::optional<std::uint16_t> parse_port(std::string_view text);

// The address as inet_ntop writes it ("192.0.2.7", "2001:db8::1").
std::string to_string(const IpAddress& address);

}  // namespace holdgate::config
