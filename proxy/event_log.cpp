#include "event_log.hpp"

#include <chrono>
#include <ctime>

#include "policy/sanitize.hpp"

namespace holdgate::proxy {
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

}  // namespace

void EventLog::write(std::string_view event, const std::vector<Field>& fields) {
  std::string line = utc_now();
  line += " event=";
  line += event;
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    line += format_value(value);
  }
  line += '\n';
  out_ << line << std::flush;
}

}  // namespace holdgate::proxy
