#include "recording/replay.hpp"

#include <algorithm>
#include <cmath>

#include "approvals/json_reader.hpp"

namespace holdgate::recording {

std::optional<CastSize> parse_cast_header(std::string_view line) {
  auto parsed = approvals::parse_json(line);
  const auto* header = std::get_if<approvals::JsonValue>(&parsed);
  if (!header || !header->as_object()) return std::nullopt;
  const auto* version = header->find("version");
  const auto* width = header->find("width");
  const auto* height = header->find("height");
  if (!version || !version->as_number() || *version->as_number() != 2) return std::nullopt;
  if (!width || !width->as_number() || !height || !height->as_number()) return std::nullopt;
  auto size = [](double n) { return n >= 1 && n <= 10000 ? static_cast<unsigned>(n) : 0u; };
  CastSize result{size(*width->as_number()), size(*height->as_number())};
  if (result.width == 0 || result.height == 0) return std::nullopt;
  return result;
}

std::optional<CastEvent> parse_cast_event(std::string_view line) {
  auto parsed = approvals::parse_json(line);
  const auto* event = std::get_if<approvals::JsonValue>(&parsed);
  const auto* parts = event ? event->as_array() : nullptr;
  if (!parts || parts->size() != 3) return std::nullopt;
  const double* time = (*parts)[0].as_number();
  const std::string* code = (*parts)[1].as_string();
  const std::string* data = (*parts)[2].as_string();
  if (!time || !code || !data || !std::isfinite(*time)) return std::nullopt;
  return CastEvent{*time, *code, *data};
}

std::chrono::microseconds replay_delay(double previous, double time, double speed,
                                       double idle_limit) {
  double gap = std::clamp(time - previous, 0.0, idle_limit);
  return std::chrono::microseconds(static_cast<long long>(gap / speed * 1e6));
}

std::optional<std::string> LineSplitter::next_line() {
  auto newline = buffer_.find('\n', start_);
  if (newline == std::string::npos) {
    // Keep the buffer from growing with lines already handed out.
    buffer_.erase(0, start_);
    start_ = 0;
    return std::nullopt;
  }
  std::string line = buffer_.substr(start_, newline - start_);
  start_ = newline + 1;
  return line;
}

std::optional<std::string> LineSplitter::last_line() {
  if (auto line = next_line()) return line;
  if (buffer_.size() == start_) return std::nullopt;
  std::string line = buffer_.substr(start_);
  buffer_.clear();
  start_ = 0;
  return line;
}

}  // namespace holdgate::recording
