#include "approvals/session_list.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "approvals/json.hpp"
#include "approvals/json_reader.hpp"
#include "approvals/render.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {
namespace {

using policy::sanitize;

std::string string_member(const JsonValue& object, std::string_view key) {
  const JsonValue* value = object.find(key);
  const std::string* text = value ? value->as_string() : nullptr;
  return text ? *text : std::string();
}

std::string status_of(const SessionRow& row) {
  if (row.live) return "LIVE";
  if (!row.exit_signal.empty()) return "signal " + sanitize(row.exit_signal);
  if (row.exit_status) return "exit " + std::to_string(*row.exit_status);
  return "ended";
}

}  // namespace

std::optional<SessionRow> session_from_event(const storage::AuditEvent& event) {
  if (event.kind != "session.ended") return std::nullopt;
  auto parsed = parse_json(event.details);
  const auto* details = std::get_if<JsonValue>(&parsed);
  if (details == nullptr || details->as_object() == nullptr) return std::nullopt;
  SessionRow row;
  row.id = string_member(*details, "session");
  if (row.id.empty()) return std::nullopt;
  row.owner.person = event.actor;
  row.owner.request_id = string_member(*details, "request");
  if (const JsonValue* roles = details->find("roles"); roles && roles->as_array()) {
    for (const auto& role : *roles->as_array()) {
      if (const std::string* name = role.as_string()) row.owner.roles.push_back(*name);
    }
  }
  auto at = event.subject.rfind('@');
  row.login = at == std::string::npos ? event.subject : event.subject.substr(0, at);
  row.target = at == std::string::npos ? std::string() : event.subject.substr(at + 1);
  row.source = event.source;
  row.kind = string_member(*details, "kind");
  row.command = string_member(*details, "command");
  row.recording = string_member(*details, "recording");
  row.exit_signal = string_member(*details, "exit_signal");
  if (const JsonValue* status = details->find("exit_status"); status && status->as_number()) {
    row.exit_status = static_cast<int>(*status->as_number());
  }
  if (const JsonValue* seconds = details->find("duration"); seconds && seconds->as_number() &&
                                                            *seconds->as_number() >= 0 &&
                                                            *seconds->as_number() < 1e9) {
    row.duration = std::chrono::milliseconds(std::llround(*seconds->as_number() * 1000));
  }
  // The event is written when the session ends; it started its duration before that.
  row.started = event.at - std::chrono::duration_cast<TimePoint::duration>(row.duration);
  return row;
}

bool session_matches(const cmd::SessionList& filter, const SessionRow& row, TimePoint now) {
  if (filter.live_only && !row.live) return false;
  if (!filter.user.empty() && row.owner.person != filter.user) return false;
  if (!filter.target.empty() && row.target != filter.target) return false;
  if (row.live) return true;
  const auto ended = row.started + std::chrono::duration_cast<TimePoint::duration>(row.duration);
  // A --since longer than the clock has run means everything (as `history`'s does).
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  return filter.since >= elapsed || ended >= now - filter.since;
}

std::string session_duration(std::chrono::milliseconds duration) {
  const long long total = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  char text[32];
  if (total < 60) {
    std::snprintf(text, sizeof text, "%llds", total);
  } else if (total < 3600) {
    std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, total % 3600 / 60);
  }
  return text;
}

std::string render_session_table(const std::vector<SessionRow>& rows) {
  if (rows.empty()) return "No sessions.\n";
  std::vector<TableColumn> columns = {{"ID", {}},       {"Person", {}}, {"Access", {}},
                                      {"Started (UTC)", {}}, {"Duration", {}}, {"Kind", {}},
                                      {"Status", {}}};
  for (const auto& row : rows) {
    columns[0].cells.push_back(sanitize(row.id));
    columns[1].cells.push_back(sanitize(row.owner.person));
    columns[2].cells.push_back(sanitize(row.login + "@" + row.target));
    columns[3].cells.push_back(table_time(row.started));
    columns[4].cells.push_back(session_duration(row.duration));
    std::string kind = sanitize(row.kind) + (row.pty && row.kind != "shell" ? " (pty)" : "");
    if (!row.command.empty()) kind += ": " + fit_width(sanitize(row.command), 40);
    columns[5].cells.push_back(std::move(kind));
    columns[6].cells.push_back(status_of(row));
  }
  return render_columns(columns, true);
}

std::string sessions_json(const std::vector<SessionRow>& rows) {
  JsonWriter json;
  json.begin_array();
  auto text_or_null = [&](const std::string& text) -> JsonWriter& {
    return text.empty() ? json.null() : json.value(text);
  };
  for (const auto& row : rows) {
    json.begin_object()
        .key("id").value(row.id)
        .key("person").value(row.owner.person)
        .key("login").value(row.login)
        .key("target").value(row.target)
        .key("source").value(row.source)
        .key("started").value(rfc3339(row.started))
        .key("duration").value(static_cast<double>(row.duration.count()) / 1000)
        .key("kind").value(row.kind)
        .key("command");
    text_or_null(row.command);
    json.key("live").value(row.live).key("pty").value(row.pty).key("exit_status");
    if (row.exit_status) {
      json.value(*row.exit_status);
    } else {
      json.null();
    }
    json.key("exit_signal");
    text_or_null(row.exit_signal);
    json.key("roles").begin_array();
    for (const auto& role : row.owner.roles) json.value(role);
    json.end_array().key("request");
    text_or_null(row.owner.request_id);
    json.key("recording");
    text_or_null(row.recording);
    json.end_object();
  }
  return json.end_array().str();
}

std::vector<SessionRow> live_sessions_for(const config::Config& config, const config::User& viewer,
                                          std::vector<SessionRow> live) {
  std::erase_if(live, [&](const SessionRow& row) { return !may_see_session(config, viewer, row.owner); });
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) { return a.started > b.started; });
  return live;
}

}  // namespace holdgate::approvals
