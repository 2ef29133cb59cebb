// Reading an asciicast v2 recording back for `session play`: its header, its events, and when
// each output event is due. Pure: lines in, values out; the proxy does the reading and timing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace holdgate::recording {

struct CastSize {
  unsigned width = 0, height = 0;
};

// The header line's terminal size; nullopt when the line is not an asciicast v2 header.
std::optional<CastSize> parse_cast_header(std::string_view line);

struct CastEvent {
  double time = 0;    // seconds since the recording started
  std::string code;   // "o", "i", "r", "m"
  std::string data;
};

// One event line `[time, "code", "data"]`; nullopt when it is not one.
std::optional<CastEvent> parse_cast_event(std::string_view line);

// Gaps longer than this are shortened to it before --speed applies, as asciinema's
// idle_time_limit does: a session left idle for an hour replays in seconds.
inline constexpr double default_idle_limit = 2.0;

// How long after the previous output event (recorded at `previous`) the one at `time` is shown:
// min(time - previous, idle_limit) / speed; never negative (times that go backwards play at
// once). `speed` must be > 0.
std::chrono::microseconds replay_delay(double previous, double time, double speed,
                                       double idle_limit = default_idle_limit);

// Whole lines out of bytes that arrive in pieces. A line longer than `max_line` is an error
// (no recording holdgate writes has one: each event is one read's worth of bytes).
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = 4u << 20) : max_line_(max_line) {}
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete line without its "\n"; nullopt when none is complete yet.
  std::optional<std::string> next_line();
  // The rest once the input has ended (a last line without "\n"), then nullopt.
  std::optional<std::string> last_line();
  bool too_long() const { return buffer_.size() - start_ > max_line_; }

 private:
  std::size_t max_line_;
  std::string buffer_;
  std::size_t start_ = 0;
};

}  // namespace holdgate::recording
