// `session list` (issue 13, section 2): relayed sessions as rows, finished ones read back from
// their `session.ended` audit events and live ones handed in by the proxy, filtered and
// rendered as a table or JSON. Pure: values in, text out.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "approvals/command_line.hpp"
#include "approvals/session_access.hpp"
#include "storage/records.hpp"

namespace holdgate::approvals {

struct SessionRow {
  std::string id;  // "1a2b3c4d", or "1a2b3c4d-2" for a later channel of one connection
  SessionOwner owner;
  std::string login, target, source;
  TimePoint started{};
  std::chrono::milliseconds duration{0};  // for a live one: so far
  std::string kind;                       // shell, exec, subsystem
  std::string command;                    // exec's command line, subsystem's name
  bool live = false;
  bool pty = false;  // live only: whether it can be watched
  std::optional<int> exit_status;
  std::string exit_signal;
  std::string recording;  // the .cast path, when recorded
};

// The row a `session.ended` event describes; nullopt for any other event or unreadable details.
std::optional<SessionRow> session_from_event(const storage::AuditEvent& event);

// Whether `row` passes `filter`'s --live, --user, --target and --since (a live session always
// passes --since: it is running now).
bool session_matches(const cmd::SessionList& filter, const SessionRow& row, TimePoint now);

// The live sessions `viewer` may see (may_see_session), newest first: what `session list`
// shows first, and the menu's sessions screen too.
std::vector<SessionRow> live_sessions_for(const config::Config& config, const config::User& viewer,
                                          std::vector<SessionRow> live);

// ID  Person  Access  Started (UTC)  Duration  Kind  Status; live ones first ("LIVE"). No rows:
// "No sessions.\n". Everything from users and targets sanitised.
std::string render_session_table(const std::vector<SessionRow>& rows);

// A JSON array, one object per row with the stable keys id, person, login, target, source,
// started, duration (seconds), kind, command, live, exit_status, exit_signal, roles, request,
// recording (absent ones null).
std::string sessions_json(const std::vector<SessionRow>& rows);

// "3s", "4m05s", "2h07m": a duration to read at a glance.
std::string session_duration(std::chrono::milliseconds duration);

}  // namespace holdgate::approvals
