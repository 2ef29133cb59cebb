// `ssh approvals@bastion [COMMAND]`: the reviewers' and requesters' own channel. With a command
// it runs it and exits with its status; `request watch` streams changes as JSON lines; with no
// command and a terminal it shows the interactive menu, redrawn whenever requests change.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "approvals/commands.hpp"
#include "approvals/menu.hpp"
#include "approvals/service.hpp"
#include "live_sessions.hpp"
#include "net.hpp"
#include "ssh_handles.hpp"
#include "ssh_waiter.hpp"

namespace holdgate::proxy {

class ApprovalsChannels {
 public:
  // At most `max_sessions` session channels are open at once (limits.max_sessions); more are
  // refused at the SSH level, as sshd refuses beyond MaxSessions. `live`: the sessions
  // `session watch` may join (none when null).
  ApprovalsChannels(ssh_session user, SshWaiter& waiter, approvals::RequestService& requests,
                    approvals::Caller caller, approvals::CommandContext context,
                    int max_sessions, LiveSessions* live = nullptr);
  ~ApprovalsChannels();

  // Serves the connection's channels until the client hangs up or `stop` becomes true.
  awaitable<void> run(const bool& stop);

 private:
  class Conversation;

  void handle_message(MessageHandle message);
  void run_command(Conversation& c, const char* command_line);
  // `request create` once its hooks have answered or had their time: prints and finishes.
  void finish_create(Conversation& c);
  void handle_input(Conversation& c);
  // `session play` / `session export`: opens the recording; step_replay moves the next piece.
  void start_replay(Conversation& c, const approvals::SessionReplay& replay);
  bool step_replay(Conversation& c);
  // The replay is over: the channel ends with `status`, or (played from the menu) the menu returns.
  // `note` is shown in the menu's footer.
  void end_replay(Conversation& c, int status, std::string note = {});
  void refresh_menu(Conversation& c);
  void redraw(Conversation& c);  // now; elsewhere set c.redraw_wanted
  void apply(Conversation& c, const approvals::MenuAction& action);
  // `session watch`: joins the caller to live session `id`, then relays what it shows.
  void start_watching(Conversation& c, const std::string& id);
  bool step_watching(Conversation& c);
  // The watch is over (`sentence` says why): the channel ends with `status`, or (watched from
  // the menu) the menu's sessions screen returns.
  void stop_watching(Conversation& c, int status, const std::string& sentence);
  // The menu's sessions screen, read afresh: live ones the caller may see, then recorded ones.
  void show_sessions(Conversation& c);

  ssh_session user_;
  SshWaiter& waiter_;
  approvals::RequestService& requests_;
  approvals::Caller caller_;
  approvals::CommandContext context_;
  int max_sessions_;
  LiveSessions* live_;
  std::vector<std::unique_ptr<Conversation>> conversations_;
  std::deque<approvals::RequestChange> changes_;  // seen since the last pass
};

}  // namespace holdgate::proxy
