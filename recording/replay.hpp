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

// `session play`'s schedule: fed the file's bytes as they are read, asked at each wake-up what
// output is due by `now`. Only "o" events are shown (input, resizes and markers are not for the
// viewer's terminal); each is due replay_delay() after the one before it, counted from when
// that one was due, so slow writing does not stretch the rest. Time is passed in: no clock.
class CastPlayer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit CastPlayer(double speed, double idle_limit = default_idle_limit)
      : speed_(speed), idle_limit_(idle_limit) {}

  void feed(std::string_view bytes) { lines_.feed(bytes); }
  void end_of_file() { eof_ = true; }

  // Output due by `now`, at most about `max` bytes (the rest stays due for the next call).
  std::string due_output(Clock::time_point now, std::size_t max = 64 * 1024);
  // When the next output is due; nullopt while more bytes are needed, or once finished.
  std::optional<Clock::time_point> next_due() const;
  bool wants_bytes() const { return wants_bytes_; }
  bool finished() const { return finished_; }
  const std::optional<CastSize>& size() const { return size_; }
  // Not an asciicast v2 file, or a line in it is not an event: one sentence; playing stops.
  const std::string& error() const { return error_; }

 private:
  void advance(Clock::time_point now);  // parses lines until an output event waits

  double speed_, idle_limit_;
  LineSplitter lines_;
  bool eof_ = false, wants_bytes_ = true, finished_ = false;
  std::optional<CastSize> size_;
  std::string error_;
  std::optional<CastEvent> next_;
  Clock::time_point due_{};
  bool started_ = false;
  double last_time_ = 0;
  std::size_t line_number_ = 0;
};

}  // namespace holdgate::recording
