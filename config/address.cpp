#include "config/address.hpp"

#include <algorithm>
#include <charconv>

#include "config/load.hpp"

namespace holdgate::config {
namespace detail {
namespace {

bool is_hostname_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// Hex groups, with '.' for v4-mapped forms ("::ffff:10.0.0.1").
bool is_ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

// The text inside brackets, with an optional %zone for link-local addresses ("fe80::1%eth0").
bool is_ipv6_host(std::string_view host) {
  auto percent = host.find('%');
  auto address = host.substr(0, percent);
  if (address.find(':') == std::string_view::npos ||
      !std::all_of(address.begin(), address.end(), is_ipv6_char)) {
    return false;
  }
  if (percent == std::string_view::npos) return true;
  auto zone = host.substr(percent + 1);
  return !zone.empty() && std::all_of(zone.begin(), zone.end(), is_hostname_char);
}

AddressParse fail(std::string problem) { return {std::nullopt, std::move(problem)}; }

}  // namespace

AddressParse parse_address_checked(std::string_view text, std::uint16_t default_port) {
  std::string_view host = text;
  std::optional<std::string_view> port_text;

  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return fail("expected ':' and a port after ']'");
      port_text = rest.substr(1);
    }
    if (host.empty()) return fail("the host is missing");
    if (!is_ipv6_host(host)) return fail("'" + std::string(host) + "' is not an IPv6 address");
  } else {
    auto colon = text.find(':');
    if (colon != std::string_view::npos) {
      // "fe80::1:22" is ambiguous, so IPv6 needs its brackets.
      if (text.find(':', colon + 1) != std::string_view::npos) {
        return fail("write IPv6 addresses in brackets, e.g. [::1]:22");
      }
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    }
    if (!std::all_of(host.begin(), host.end(), is_hostname_char)) {
      return fail("'" + std::string(host) + "' is not a valid host name or IPv4 address");
    }
  }

  if (host.empty()) return fail("the host is missing");
  Address address{std::string(host), default_port};
  if (port_text) {
    auto port = parse_port(*port_text);
    if (!port)
      return fail("port '" + std::string(*port_text) + "' is not a number from 1 to 65535");
    address.port = *port;
  }
  return {address, {}};
}

}  // namespace detail

std::optional<Address> parse_address(std::string_view text, std::uint16_t default_port) {
  return detail::parse_address_checked(text, default_port).address;
}

}  // namespace holdgate::config
