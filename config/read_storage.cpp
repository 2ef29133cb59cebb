// `storage:` which database holds the state, and (tests, benchmarks) how slow it is made to
// look. Same reader conventions as the other sections.
#include <algorithm>
#include <charconv>

#include "config/sections.hpp"

namespace holdgate::config::detail {
namespace {

// "50ms" or "2s": a latency is sub-second, which the general durations (whole seconds) are not.
std::optional<std::chrono::milliseconds> read_latency(const Entry& e) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  std::string_view s = *text;
  long long unit = 0;
  if (s.ends_with("ms")) {
    unit = 1;
    s.remove_suffix(2);
  } else if (s.ends_with("s")) {
    unit = 1000;
    s.remove_suffix(1);
  }
  long long value = -1;
  bool digits = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(s.data(), s.data() + s.size(), value);
  if (unit == 0 || value < 0 || value > 60'000 / unit) {
    e.error("expected a latency such as 50ms or 1s (at most 60s)");
    return std::nullopt;
  }
  return std::chrono::milliseconds(value * unit);
}

}  // namespace

StorageConfig read_storage(const Entry& e) {
  StorageConfig storage;
  Fields fields(e, {"postgres", "postgres_file", "debug_latency"});
  auto dsn = fields.get("postgres");
  auto file = fields.get("postgres_file");
  if (dsn) storage.postgres = read_string(*dsn).value_or("");
  if (file) storage.postgres_file = read_path(*file).value_or("");
  if (dsn && file) {
    file->error("give either postgres or postgres_file, not both");
  }
  if (auto f = fields.get("debug_latency")) {
    storage.debug_latency = read_latency(*f).value_or(storage.debug_latency);
  }
  return storage;
}

}  // namespace holdgate::config::detail
