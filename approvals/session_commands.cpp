#include "approvals/session_commands.hpp"

#include "approvals/json.hpp"
#include "approvals/render.hpp"
#include "approvals/session_access.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {

CommandResult run_session_replay(RequestService& service, const Caller& caller,
                                 SessionReplay::Kind kind, std::string_view id, double speed,
                                 std::string_view stream) {
  const config::Config& config = service.config();
  // Every session.ended since the trail began: recordings outlive any --since window.
  const auto sessions = ended_sessions(service.history_of(session_event_kinds(), TimePoint{}));
  const EndedSession* session = find_session(sessions, id);
  const std::string shown(id);
  if (session == nullptr) {
    return refused("no finished session " + shown +
                   " is in the audit trail; give its session id (as in history) or its "
                   "recording's file name");
  }
  if (!may_see_session(config, *caller.user, session->owner())) {
    return refused("session " + shown + " is neither yours nor one of a role you review");
  }
  if (session->recording.empty()) {
    return refused("session " + session->session +
                   " has no recording (recording was off for it, or it was an exec or subsystem "
                   "under recording mode pty); its command line and exit status are in history");
  }
  if (session->deleted) {
    return refused("the recording of session " + session->session + " was deleted by retention on " +
                   table_time(*session->deleted));
  }
  // The trail names a file inside the recordings dir; anything else is not read (as audit verify).
  const std::filesystem::path relative(session->recording);
  bool climbs = relative.is_absolute();
  for (const auto& part : relative) climbs = climbs || part == "..";
  if (climbs) {
    return refused("the recording of session " + session->session +
                   " is not inside the recordings directory; it is not read");
  }
  if (session->sha256.empty()) {
    // The writer could not read the file back when it closed it: nothing vouches for it.
    return refused("the recording of session " + session->session +
                   " has no SHA-256 in the audit trail, so it cannot be checked; see audit verify");
  }
  const bool play = kind == SessionReplay::Kind::play;
  const bool bytes_recording = has_stream_recording(*session);
  if (play && bytes_recording) {
    return refused("session " + session->session +
                   " ran without a terminal (an exec or subsystem), so there is no screen to "
                   "replay; its bytes: session export " + session->session + " --stream stdout");
  }
  if (!stream.empty() && !bytes_recording) {
    return refused("session " + session->session +
                   " was recorded as a terminal (asciicast); --stream is for an exec or "
                   "subsystem recorded under mode all");
  }
  JsonWriter details;
  details.begin_object().key("session").value(session->session).key("recording")
      .value(session->recording).key("owner").value(session->person).end_object();
  service.record({service.now(), play ? "session.played" : "session.exported", caller.user->name,
                  caller.source, session->session, details.str()});
  CommandResult result;
  result.replay = SessionReplay{kind, session->session, config.recording.dir / session->recording,
                                session->sha256, speed,
                                stream == "stdout" ? 'o' : stream == "stderr" ? 'e' : stream == "stdin" ? 'i' : '\0'};
  return result;
}

std::string tampered_sentence(const SessionReplay& replay, std::string_view actual_sha256) {
  return "holdgate: the recording of session " + policy::sanitize(replay.session) +
         " does not match the audit trail (SHA-256 " + std::string(actual_sha256) + ", recorded " +
         policy::sanitize(replay.sha256) + "): it was changed after the session ended\n";
}

}  // namespace holdgate::approvals
