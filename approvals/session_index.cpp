#include "approvals/session_index.hpp"

#include <algorithm>
#include <map>

#include "approvals/json_reader.hpp"

namespace holdgate::approvals {
namespace {

std::string string_member(const JsonValue& object, std::string_view key) {
  const JsonValue* member = object.find(key);
  const std::string* text = member ? member->as_string() : nullptr;
  return text ? *text : std::string();
}

std::string lowercase(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace

const std::vector<std::string>& session_event_kinds() {
  static const std::vector<std::string> kinds{"session.ended", "recording.deleted"};
  return kinds;
}

std::vector<EndedSession> ended_sessions(const std::vector<storage::AuditEvent>& events) {
  std::vector<EndedSession> sessions;
  // The exact subject and outcome Server::apply_retention records (as audit/recordings.cpp).
  std::map<std::string, storage::TimePoint> deleted;
  for (const auto& event : events) {
    if (event.kind == "recording.deleted" && event.details == "deleted by retention") {
      deleted[event.subject] = event.at;
    }
    if (event.kind != "session.ended") continue;
    auto parsed = parse_json(event.details);
    const auto* details = std::get_if<JsonValue>(&parsed);
    if (!details || !details->as_object()) continue;
    EndedSession session;
    session.session = string_member(*details, "session");
    if (session.session.empty()) continue;
    session.person = event.actor;
    session.source = event.source;
    session.subject = event.subject;
    session.ended = event.at;
    session.kind = string_member(*details, "kind");
    session.command = string_member(*details, "command");
    session.recording = string_member(*details, "recording");
    session.sha256 = lowercase(string_member(*details, "sha256"));
    session.request_id = string_member(*details, "request");
    if (const JsonValue* roles = details->find("roles"); roles && roles->as_array()) {
      for (const auto& role : *roles->as_array()) {
        if (role.as_string()) session.roles.push_back(*role.as_string());
      }
    }
    sessions.push_back(std::move(session));
  }
  for (auto& session : sessions) {
    auto it = deleted.find(session.recording);
    if (!session.recording.empty() && it != deleted.end() && it->second >= session.ended) {
      session.deleted = it->second;
    }
  }
  std::stable_sort(sessions.begin(), sessions.end(),
                   [](const auto& a, const auto& b) { return a.ended > b.ended; });
  return sessions;
}

const EndedSession* find_session(const std::vector<EndedSession>& sessions, std::string_view id) {
  if (id.empty()) return nullptr;
  auto matches = [&](const EndedSession& s) {
    if (s.session == id) return true;
    if (s.recording.empty()) return false;
    return s.recording == id || s.recording == std::string(id) + ".cast" ||
           s.recording == std::string(id) + ".stream";
  };
  auto it = std::find_if(sessions.begin(), sessions.end(), matches);  // newest first
  return it == sessions.end() ? nullptr : &*it;
}

bool has_stream_recording(const EndedSession& session) {
  return std::filesystem::path(session.recording).extension() == ".stream";
}

std::vector<EndedSession> recorded_sessions_for(const config::Config& config,
                                                const config::User& viewer,
                                                std::vector<EndedSession> sessions,
                                                std::size_t limit) {
  std::erase_if(sessions, [&](const EndedSession& s) {
    return s.recording.empty() || s.deleted || !may_see_session(config, viewer, s.owner());
  });
  if (sessions.size() > limit) sessions.resize(limit);
  return sessions;
}

}  // namespace holdgate::approvals
