#include "config/network.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace holdgate::config {

std::optional<IpAddress> parse_ip(std::string_view text) {
  std::string copy(text);  // inet_pton wants a terminated string
  IpAddress address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) return address;
  address.v6 = true;
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

std::optional<Network> parse_network(std::string_view text) {
  auto slash = text.find('/');
  auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  int width = address->v6 ? 128 : 32;
  int prefix = width;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (prefix > width) return std::nullopt;
  }
  return Network{masked(*address, prefix), prefix};
}

IpAddress masked(const IpAddress& address, int prefix) {
  IpAddress out = address;
  int width = address.v6 ? 128 : 32;
  prefix = std::clamp(prefix, 0, width);
  for (int bit = prefix; bit < width; ++bit) {
    out.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return out;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  // All digits: from_chars would stop at trailing junk ("22x") and still report success.
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::string to_string(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof text);
  return text;
}

}  // namespace holdgate::config
