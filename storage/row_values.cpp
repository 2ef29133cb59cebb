#include "storage/row_values.hpp"

namespace holdgate::storage {

using std::chrono::milliseconds;

std::int64_t to_millis(TimePoint time) {
  return std::chrono::floor<milliseconds>(time.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t millis) {
  // Clamped: a value beyond what a time_point holds in nanoseconds would overflow. Only
  // TimePoint::min() rounded down gets there, but overflow is undefined, so rule it out.
  constexpr auto lowest = std::chrono::ceil<milliseconds>(TimePoint::min().time_since_epoch());
  constexpr auto highest = std::chrono::floor<milliseconds>(TimePoint::max().time_since_epoch());
  if (millis < lowest.count()) return TimePoint(lowest);
  if (millis > highest.count()) return TimePoint(highest);
  return TimePoint(milliseconds(millis));
}

std::int64_t millis_from(TimePoint time) {
  return std::chrono::ceil<milliseconds>(time.time_since_epoch()).count();
}

std::optional<std::int64_t> optional_millis(const std::optional<TimePoint>& time) {
  if (!time) return std::nullopt;
  return to_millis(*time);
}

std::optional<TimePoint> optional_time(const std::optional<std::int64_t>& millis) {
  if (!millis) return std::nullopt;
  return from_millis(*millis);
}

std::string join_lines(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : "\n") + name;
  return text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    names.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

}  // namespace holdgate::storage
