// The `recording:` block and the `recording:` mode a role or target may set (issue 13).
#include <charconv>

#include "config/sections.hpp"

namespace holdgate::config::detail {
namespace {

// "1048576", "512K", "100M", "10G" (powers of 1024, as sshd's RekeyLimit writes sizes).
std::optional<std::uint64_t> read_size(const Entry& e) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  std::string_view digits = *text;
  unsigned shift = 0;
  switch (digits.back()) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    case 'T': case 't': shift = 40; break;
    default: break;
  }
  if (shift != 0) digits.remove_suffix(1);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
      value > (~std::uint64_t{0} >> shift)) {
    e.error("'" + *text + "' is not a size (a number of bytes, or with K, M, G or T, e.g. 100M)");
    return std::nullopt;
  }
  return value << shift;
}

void read_retention(const Entry& e, RecordingSettings& settings) {
  Fields fields(e, {"days", "total"});
  if (auto f = fields.get("days")) settings.retention_days = read_int(*f, 0).value_or(0);
  if (auto f = fields.get("total")) settings.retention_total_bytes = read_size(*f).value_or(0);
}

}  // namespace

std::optional<RecordingMode> read_recording_mode(const Entry& e) {
  auto text = read_string(e);
  if (text == "pty") return RecordingMode::pty;
  if (text == "all") return RecordingMode::all;
  if (text == "none") return RecordingMode::none;
  if (text) e.error("must be 'pty', 'all' or 'none', not '" + *text + "'");
  return std::nullopt;
}

RecordingSettings read_recording(const Entry& e) {
  RecordingSettings settings;
  Fields fields(e, {"mode", "input", "dir", "max_bytes", "retention"});
  if (auto f = fields.get("mode")) settings.mode = read_recording_mode(*f).value_or(settings.mode);
  if (auto f = fields.get("input")) settings.input = read_bool(*f).value_or(false);
  if (auto f = fields.get("dir")) settings.dir = read_path(*f).value_or("");
  if (auto f = fields.get("max_bytes")) {
    auto size = read_size(*f);
    if (size && *size < 4096) {
      f->error("must be at least 4096 bytes (room for the header and a marker)");
    } else if (size) {
      settings.max_bytes = *size;
    }
  }
  if (auto f = fields.get("retention")) read_retention(*f, settings);
  return settings;
}

}  // namespace holdgate::config::detail
