#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

#include "config/load.hpp"

namespace holdgate::config {

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  auto number = text.substr(0, text.size() - 1);
  // Digits only: from_chars would also take a leading '-', and "1h30m" must not half-parse.
  if (!std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }

  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 60 * 60; break;
    case 'd': unit = 24 * 60 * 60; break;
    default: return std::nullopt;
  }

  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc{} || end != number.data() + number.size()) return std::nullopt;
  if (value > std::numeric_limits<Duration::rep>::max() / unit) return std::nullopt;
  return Duration(value * unit);
}

}  // namespace holdgate::config
