// The finished sessions the audit trail knows (issue 13, section 2): read from `session.ended`
// events, with what retention deleted since, and found by the ID people type. Pure.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "approvals/session_access.hpp"
#include "storage/records.hpp"

namespace holdgate::approvals {

struct EndedSession {
  std::string session;   // the session id as logged, "1a2b3c4d" or "1a2b3c4d-2" for channel 2
  std::string person, source;
  std::string subject;   // "root@db-1"
  storage::TimePoint ended;
  std::string kind;      // shell, exec, subsystem
  std::string command;   // exec's command line or the subsystem's name
  std::string recording;  // file name relative to the recordings dir; empty: not recorded
  std::string sha256;     // of the recording, lowercase hex
  std::vector<std::string> roles;
  std::string request_id;
  // Retention deleted the recording afterwards (a recording.deleted event names it).
  std::optional<storage::TimePoint> deleted;

  SessionOwner owner() const { return {person, roles, request_id}; }
};

// Every session.ended event with readable details, newest first; deletions by retention noted.
std::vector<EndedSession> ended_sessions(const std::vector<storage::AuditEvent>& events);

// The kinds of audit event ended_sessions() reads (session.ended, recording.deleted): what to
// ask the store for, rather than the whole trail.
const std::vector<std::string>& session_event_kinds();

// The session `id` names: its session id or its recording's file name (with or without
// ".cast" / ".stream"). The newest when an id ended more than once; nullptr when none matches.
const EndedSession* find_session(const std::vector<EndedSession>& sessions, std::string_view id);

// Whether the session's recording is a .stream file (a channel without a terminal, mode all):
// bytes to export with --stream, no screen to play.
bool has_stream_recording(const EndedSession& session);

// The sessions `viewer` may replay (may_see_session), with a recording retention has not
// deleted, newest first, at most `limit` of them: the menu's sessions screen.
std::vector<EndedSession> recorded_sessions_for(const config::Config& config,
                                                const config::User& viewer,
                                                std::vector<EndedSession> sessions,
                                                std::size_t limit);

// `session play` / `session export` of a recording the caller may see, resolved and audited:
// what the proxy is to stream. It checks the file's SHA-256 against `sha256` as it reads.
struct SessionReplay {
  enum class Kind { play, export_cast };
  Kind kind = Kind::play;
  std::string session;         // the session id, for what the proxy says
  std::filesystem::path file;  // in the recordings dir
  std::string sha256;          // what the audit trail says the file hashes to
  double speed = 1;
  // export_cast of a .stream recording: only frames of this kind ('o', 'e', 'i'); 0: the file.
  char stream = 0;
};

}  // namespace holdgate::approvals
