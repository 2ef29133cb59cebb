// Runs one approvals-channel command (`ssh approvals@bastion request ...`) against the
// RequestService and returns what to print and the exit status. No I/O of its own: the proxy
// writes `out`/`err` to the channel and sends `exit_code`.
#pragma once

#include <optional>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "approvals/render.hpp"
#include "approvals/request_events.hpp"
#include "approvals/service.hpp"
#include "approvals/session_index.hpp"
#include "approvals/session_list.hpp"

namespace holdgate::approvals {

struct CommandContext {
  // How people reach the channel, for usage text and "Approve with: ..." hints.
  std::string invocation = "ssh -p 2222 approvals@bastion";
  // Whether someone is waiting live on a request (marks it "(waiting)"); may be empty.
  WaitingFn waiting;
  // ---- Sessions (issue 13, section 2), wired by the proxy; either may be empty (no live
  // sessions then). The session channels running now:
  std::function<std::vector<SessionRow>()> live_sessions;
  // Ends live session `id` with `message` in its person's terminal; false when it is no longer
  // live.
  std::function<bool(const std::string& id, const std::string& message)> kill_session;
};

// Exit status:
//   0  done (help included); output on `out`
//   1  the service refused or failed: not allowed, not found, not pending, invalid input,
//      storage trouble. `err` is ONE line: "holdgate: <sentence>\n"
//   2  the command line is wrong; `err` is "holdgate: <sentence>\n\n<usage>"
// `start_watch` is set by `request watch` (exit_code 0, nothing printed): the proxy then
// subscribes to service.events() and writes watch_line() for each change until the client
// disconnects.
struct CommandResult {
  std::string out;
  std::string err;
  int exit_code = 0;
  bool start_watch = false;
  // `request create` of a request that approval hooks review: nothing is printed yet; the proxy
  // waits (without blocking) until hooks_settled() or hook_wait_limit() has passed, then prints
  // created_result() for the request as it is then, so a hook's verdict is seen at once.
  std::string await_hooks{};
  // `session play` / `session export`: nothing is printed yet; the proxy streams the recording
  // (session_commands.hpp).
  std::optional<SessionReplay> replay{};
  // `session watch ID` of a live session the caller may see: the proxy joins the caller to it
  // (after printing `out`) until they press q or Ctrl-C, or the session ends.
  std::string watch_session{};
};

inline constexpr int exit_ok = 0;
inline constexpr int exit_refused = 1;
inline constexpr int exit_usage = 2;

// Parses `command_line` (the exec request's string) and runs it as `caller`.
// `request list` defaults to the caller's own requests and those they can review; `history`
// shows audit events since now - --since (default 24h) and the requests resolved in that time.
// What a caller may see follows visibility.hpp: `request show` of another's request they may
// not review and `request list --all` are refused, `history` keeps to what concerns them,
// unless they hold a role with `audit: true`.
CommandResult run_command(std::string_view command_line, RequestService& service,
                          const Caller& caller, const CommandContext& context);

// The same, for a command already made (the menu's sessions screen runs `session watch` and
// `session kill` this way, so it answers exactly as the commands do).
CommandResult run_parsed_command(const Command& command, RequestService& service,
                                 const Caller& caller, const CommandContext& context);

// The session channels running now, as context.live_sessions gives them (none without it).
std::vector<SessionRow> live_rows(const CommandContext& context);

// What `request create` prints for `request` once its hooks have answered or the wait is
// over: still PENDING, the usual "Request ... created" lines; DENIED by a hook, exit 1 and
// "holdgate: request ID was denied by hook:jira: provide an active JIRA ticket"; APPROVED,
// that it is and until when.
// How every command refuses: "holdgate: SENTENCE" (sanitised) on stderr, exit 1.
CommandResult refused(std::string_view sentence);

CommandResult created_result(const config::Config& config, const AccessRequest& request,
                             std::string_view invocation);

// One line of `request watch`: a compact JSON object with "event" (request.created, ...) and
// then every field of request_json(), ending in "\n".
std::string watch_line(const config::Config& config, const RequestChange& change);

// Whether `user` would care about `change`: their own request, or one they may review. The
// proxy may use it to keep a watcher's stream to what concerns them.
bool watch_concerns(const config::Config& config, std::string_view user,
                    const RequestChange& change);

}  // namespace holdgate::approvals
