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

void CastPlayer::advance(Clock::time_point now) {
  while (!next_ && !finished_) {
    auto line = eof_ ? lines_.last_line() : lines_.next_line();
    if (!line) {
      if (lines_.too_long()) {
        error_ = "line " + std::to_string(line_number_ + 1) + " of the recording is too long to play";
        finished_ = true;
      }
      wants_bytes_ = !eof_ && !finished_;
      finished_ = finished_ || eof_;
      return;
    }
    ++line_number_;
    if (!size_) {
      size_ = parse_cast_header(*line);
      if (!size_) {
        error_ = "the recording is not an asciicast v2 file";
        finished_ = true;
      }
      continue;
    }
    if (line->empty()) continue;
    auto event = parse_cast_event(*line);
    if (!event) {
      error_ = "line " + std::to_string(line_number_) + " of the recording is not an asciicast event";
      finished_ = true;
      return;
    }
    if (event->code != "o") continue;
    // The first output is timed from when playing began, the rest from the one before.
    due_ = (started_ ? due_ : now) + replay_delay(last_time_, event->time, speed_, idle_limit_);
    started_ = true;
    last_time_ = event->time;
    next_ = std::move(event);
  }
  wants_bytes_ = false;
}

std::string CastPlayer::due_output(Clock::time_point now, std::size_t max) {
  std::string out;
  for (advance(now); next_ && due_ <= now && out.size() < max; advance(now)) {
    out += next_->data;
    next_.reset();
  }
  return out;
}

std::optional<CastPlayer::Clock::time_point> CastPlayer::next_due() const {
  if (!next_) return std::nullopt;
  return due_;
}

}  // namespace holdgate::recording
