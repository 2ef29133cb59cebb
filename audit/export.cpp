#include "audit/export.hpp"

#include <ctime>

#include "approvals/json.hpp"
#include "approvals/render.hpp"
#include "config/load.hpp"

namespace holdgate::audit {

std::string audit_event_json(const storage::AuditEvent& event) {
  approvals::JsonWriter json;
  json.begin_object();
  json.key("id").value(event.id);
  json.key("at").value(approvals::rfc3339(event.at));
  json.key("at_ms").value(static_cast<long long>(
      std::chrono::floor<std::chrono::milliseconds>(event.at.time_since_epoch()).count()));
  json.key("kind").value(event.kind);
  json.key("actor").value(event.actor);
  json.key("source").value(event.source);
  json.key("subject").value(event.subject);
  json.key("details").value(event.details);
  json.key("prev_hash").value(event.prev_hash);
  json.key("hash").value(event.hash);
  json.end_object();
  return json.str();
}

std::variant<storage::TimePoint, std::string> parse_since(std::string_view text,
                                                          storage::TimePoint now) {
  if (auto duration = config::parse_duration(text)) return now - *duration;
  std::tm tm{};
  const std::string copy(text);
  const char* end = nullptr;
  if (copy.size() == 10) {
    end = strptime(copy.c_str(), "%Y-%m-%d", &tm);
  } else if (!copy.empty() && copy.back() == 'Z') {
    end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  if (!end || *end != '\0') {
    return "--since '" + copy + "' is neither a duration (24h, 30m, 7d) nor a UTC time "
           "(2026-11-23 or 2026-11-23T03:58:00Z)";
  }
  const std::time_t seconds = timegm(&tm);
  // The clock counts nanoseconds in 64 bits: it ends in 2262.
  const auto last = std::chrono::floor<std::chrono::seconds>(
      storage::TimePoint::max().time_since_epoch()).count();
  if (seconds > last) return "--since '" + copy + "' is past the year 2262";
  return std::chrono::system_clock::from_time_t(seconds);
}

}  // namespace holdgate::audit
