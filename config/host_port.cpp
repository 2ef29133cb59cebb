#include "config/host_port.hpp"

#include <algorithm>
#include <charconv>

namespace holdgate::config {
namespace {

bool printable(char c) { return c > ' ' && c < 0x7f; }

}  // namespace

std::optional<HostPortPattern> parse_host_port_pattern(std::string_view text, std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    error = "must be host:port (\"*\" for any port), e.g. localhost:5432";
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  if (host.empty()) {
    error = "names no host (use \"*\" for any host)";
    return std::nullopt;
  }
  if (!std::all_of(host.begin(), host.end(), printable) ||
      host.find_first_of("[]") != std::string_view::npos ||
      (!bracketed && host.find(':') != std::string_view::npos)) {
    error = "has a host that is not a name, an address or a glob (an IPv6 address goes in [])";
    return std::nullopt;
  }
  HostPortPattern pattern{std::string(host), std::nullopt};
  if (port == "*") return pattern;
  int number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535) {
    error = "has a port that is not 1-65535 or \"*\"";
    return std::nullopt;
  }
  pattern.port = static_cast<std::uint16_t>(number);
  return pattern;
}

std::string to_string(const HostPortPattern& pattern) {
  std::string host = pattern.host.find(':') != std::string::npos ? "[" + pattern.host + "]" : pattern.host;
  return host + ":" + (pattern.port ? std::to_string(*pattern.port) : "*");
}

}  // namespace holdgate::config
