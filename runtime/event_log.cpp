#include "runtime/event_log.hpp"

#include <chrono>
#include <ctime>

#include "approvals/json.hpp"
#include "policy/sanitize.hpp"

namespace holdgate {
namespace {

std::string utc_now() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Quotes values a reader would otherwise split in two.
std::string format_value(std::string_view raw) {
  std::string value = policy::sanitize(raw);
  if (!value.empty() && value.find_first_of(" \"=") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '\\';
    quoted += c;
  }
  return quoted + '"';
}

std::string_view field(const std::vector<EventLog::Field>& fields, std::string_view key) {
  for (const auto& [name, value] : fields) {
    if (name == key) return value;
  }
  return {};
}

const char* priority_name(LogPriority priority) {
  switch (priority) {
    case LogPriority::err: return "error";
    case LogPriority::warning: return "warning";
    case LogPriority::notice: return "notice";
    case LogPriority::info: break;
  }
  return "info";
}

std::string text_line(std::string_view time, std::string_view event,
                      const std::vector<EventLog::Field>& fields) {
  std::string line(time);
  if (!line.empty()) line += ' ';
  line += "event=";
  line += event;
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    line += format_value(value);
  }
  return line;
}

// {"time":..,"level":..,"event":..,FIELD:..}: json_quote escapes what policy::sanitize would
// replace, so a value reaches the shipper exactly, yet cannot break the line.
std::string json_line(std::string_view time, LogPriority priority, std::string_view event,
                      const std::vector<EventLog::Field>& fields) {
  std::string line = "{";
  if (!time.empty()) line += "\"time\":" + approvals::json_quote(time) + ",";
  line += "\"level\":" + approvals::json_quote(priority_name(priority));
  line += ",\"event\":" + approvals::json_quote(event);
  for (const auto& [key, value] : fields) {
    line += ',' + approvals::json_quote(key) + ':' + approvals::json_quote(value);
  }
  return line + '}';
}

}  // namespace

LogPriority event_priority(std::string_view event, const std::vector<EventLog::Field>& fields) {
  auto result = field(fields, "result");
  if (event.ends_with("-error")) return LogPriority::err;
  if (event.ends_with("-failed") || event.ends_with("-dropped") ||
      (event == "hook" && result == "none") ||
      (event == "upstream" && (result == "failed" || result == "lost"))) {
    return LogPriority::warning;
  }
  if (event == "refused" || event == "penalty" || event == "grant-expired" ||
      event == "grant-taken-back" || event == "shutdown" || event == "stopped" ||
      (event == "auth" && result == "failed") ||
      (event == "decision" && result != "allow")) {
    return LogPriority::notice;
  }
  return LogPriority::info;
}

std::string format_event(const LogStyle& style, std::string_view time, std::string_view event,
                         const std::vector<EventLog::Field>& fields) {
  auto priority = event_priority(event, fields);
  std::string line;
  if (style.journal) line = "<" + std::to_string(static_cast<int>(priority)) + ">";
  line += style.format == LogFormat::json ? json_line(time, priority, event, fields)
                                          : text_line(time, event, fields);
  return line;
}

void EventLog::write(std::string_view event, const std::vector<Field>& fields) {
  std::string line = format_event(style_, style_.journal ? "" : utc_now(), event, fields);
  line += '\n';
  out_ << line << std::flush;
  if (tap_) tap_(event, fields);
}

}  // namespace holdgate
