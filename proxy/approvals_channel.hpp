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
#include "escalation.hpp"
#include "runtime/storage_worker.hpp"
#include "live_sessions.hpp"
#include "runtime/net.hpp"
#include "ssh_handles.hpp"
#include "ssh_waiter.hpp"

namespace holdgate::proxy {

class ApprovalsChannels {
 public:
  // At most `max_sessions` session channels are open at once (limits.max_sessions); more are
  // refused at the SSH level, as sshd refuses beyond MaxSessions. `live`: the sessions
  // `session watch` may join (none when null). `waiting`: the requests people wait on live.
  // Every command and menu read runs on the storage worker; its callbacks in `context` are
  // called on the loop only (see worker_context()).
  // `config`: the snapshot the connection started under (caller's User points into it).
  ApprovalsChannels(ssh_session user, SshWaiter& waiter, StorageWorker& storage,
                    std::shared_ptr<const config::Config> config, approvals::Caller caller, approvals::CommandContext context,
                    const WaitingRegistry& waiting, int max_sessions, LiveSessions* live = nullptr);
  ~ApprovalsChannels();

  // Serves the connection's channels until the client hangs up or `stop` becomes true.
  awaitable<void> run(const bool& stop);

 private:
  class Conversation;

  awaitable<void> handle_message(MessageHandle message);
  // One pass over conversation `c` with the changes seen since the last; true when it moved.
  awaitable<bool> step(Conversation& c, const std::deque<approvals::RequestChange>& changes);
  awaitable<void> run_command(Conversation& c, std::string command_line);
  // A command (run_command / run_parsed_command) on the storage worker, as the caller.
  // `run` is named by the caller (see StorageWorker::run: no lambda temporary in co_await).
  template <class Run>
  awaitable<approvals::CommandResult> command(const Run& run);
  // What commands see of the loop's state while they run on the worker: snapshots of who
  // waits and which sessions are live, and `session kill` handed back to the loop.
  approvals::CommandContext worker_context(asio::any_io_executor loop) const;
  // The database could not be reached: one sentence, in the menu or on stderr.
  void database_away(Conversation& c);
  // `request create` once its hooks have answered or had their time: prints and finishes.
  awaitable<void> finish_create(Conversation& c);
  awaitable<void> handle_input(Conversation& c);
  // `session play` / `session export`: opens the recording; step_replay moves the next piece.
  void start_replay(Conversation& c, const approvals::SessionReplay& replay);
  bool step_replay(Conversation& c);
  // The replay is over: the channel ends with `status`, or (played from the menu) the menu returns.
  // `note` is shown in the menu's footer.
  void end_replay(Conversation& c, int status, std::string note = {});
  awaitable<void> refresh_menu(Conversation& c);
  void redraw(Conversation& c);  // now; elsewhere set c.redraw_wanted
  awaitable<void> apply(Conversation& c, const approvals::MenuAction& action);
  // `session watch`: joins the caller to live session `id`, then relays what it shows.
  awaitable<void> start_watching(Conversation& c, const std::string& id);
  awaitable<bool> step_watching(Conversation& c);
  // The watch is over (`sentence` says why): the channel ends with `status`, or (watched from
  // the menu) the menu's sessions screen returns.
  awaitable<void> stop_watching(Conversation& c, int status, const std::string& sentence);
  // The menu's sessions screen, read afresh: live ones the caller may see, then recorded ones.
  awaitable<void> show_sessions(Conversation& c);

  ssh_session user_;
  SshWaiter& waiter_;
  StorageWorker& storage_;
  std::shared_ptr<const config::Config> snapshot_;
  const config::Config& config_;
  const WaitingRegistry& waiting_;
  approvals::Caller caller_;
  approvals::CommandContext context_;
  int max_sessions_;
  LiveSessions* live_;
  std::vector<std::unique_ptr<Conversation>> conversations_;
  std::deque<approvals::RequestChange> changes_;  // seen since the last pass
};

}  // namespace holdgate::proxy
