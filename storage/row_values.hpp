// How every backend stores the values a row holds: times as whole milliseconds since the Unix
// epoch (the audit hash covers `at` so), a request's hook names as one newline-separated column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace holdgate::storage {

// Whole milliseconds since the Unix epoch, rounded down.
std::int64_t to_millis(TimePoint time);
TimePoint from_millis(std::int64_t millis);
// The first whole millisecond at or after `time`. Stored times are whole milliseconds, so
// "stored >= millis_from(t)" is exactly "stored >= t" (rounding down would let in a time just
// before t).
std::int64_t millis_from(TimePoint time);
// The same for a time that may be absent (NULL).
std::optional<std::int64_t> optional_millis(const std::optional<TimePoint>& time);
std::optional<TimePoint> optional_time(const std::optional<std::int64_t>& millis);

// Hook names are config names (no newline), so one newline-separated column holds the list.
std::string join_lines(const std::vector<std::string>& names);
std::vector<std::string> split_lines(const std::string& text);

}  // namespace holdgate::storage
