// One line per event on stderr: time, event name, then key=value fields. Every value is
// sanitised, so a user name full of escape sequences cannot forge or hide a log line.
// Two more shapes of the same line: under systemd's journal a syslog priority prefix "<N>"
// and no time (the journal stamps every line itself), and JSON objects for log shippers.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace holdgate {

enum class LogFormat { text, json };

struct LogStyle {
  LogFormat format = LogFormat::text;
  bool journal = false;  // stderr is the journal's stream: "<N>" prefix, no time
};

// Syslog priorities (syslog(3)) the journal understands in a "<N>" prefix.
enum class LogPriority { err = 3, warning = 4, notice = 5, info = 6 };

class EventLog {
 public:
  using Field = std::pair<std::string_view, std::string_view>;

  explicit EventLog(std::ostream& out, LogStyle style = {}) : out_(out), style_(style) {}

  void write(std::string_view event, const std::vector<Field>& fields);

  // Also called with every event written (the metrics count logins, hooks, ... from here).
  using Tap = std::function<void(std::string_view event, const std::vector<Field>& fields)>;
  void set_tap(Tap tap) { tap_ = std::move(tap); }

 private:
  Tap tap_;
  std::ostream& out_;
  LogStyle style_;
};

// How much an event matters, read from its name and fields so that call sites stay one line:
// "-error" events are errors; something lost or broken ("-failed", "-dropped", a hook that
// failed (answered none), a target that failed or was lost) a warning; a refusal, a failed login, a denial,
// access taken back or the daemon stopping a notice; everything else info.
LogPriority event_priority(std::string_view event, const std::vector<EventLog::Field>& fields);

// What starts a plain "holdgate: ..." error line on stderr: "<3>" under the journal, so the
// reason a start failed is recorded as an error.
inline std::string_view error_prefix(const LogStyle& style) { return style.journal ? "<3>" : ""; }

// The line write() prints, without the clock: `time` is put first in text and json ("" for none).
std::string format_event(const LogStyle& style, std::string_view time, std::string_view event,
                         const std::vector<EventLog::Field>& fields);

}  // namespace holdgate
