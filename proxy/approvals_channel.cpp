#include "approvals_channel.hpp"

#include <future>

#include <algorithm>
#include <array>
#include <cctype>

#include "approvals/hook_review.hpp"
#include "approvals/json.hpp"
#include "approvals/session_commands.hpp"
#include "announced_size.hpp"
#include "connection_failure.hpp"
#include "policy/sanitize.hpp"
#include "approvals_conversation.hpp"
#include "web/web_commands.hpp"

namespace holdgate::proxy {

ApprovalsChannels::ApprovalsChannels(ssh_session user, SshWaiter& waiter, StorageWorker& storage,
                                     std::shared_ptr<const config::Config> config,
                                     approvals::Caller caller, approvals::CommandContext context,
                                     const WaitingRegistry& waiting, int max_sessions,
                                     LiveSessions* live)
    : user_(user),
      waiter_(waiter),
      storage_(storage),
      snapshot_(std::move(config)),
      config_(*snapshot_),
      waiting_(waiting),
      caller_(std::move(caller)),
      context_(std::move(context)),
      max_sessions_(max_sessions),
      live_(live) {}

ApprovalsChannels::~ApprovalsChannels() = default;

approvals::CommandContext ApprovalsChannels::worker_context(asio::any_io_executor loop) const {
  approvals::CommandContext context;
  context.invocation = context_.invocation;
  context.waiting = [waiting = waiting_](const std::string& id) { return waiting.contains(id); };
  context.live_sessions = [rows = approvals::live_rows(context_)] { return rows; };
  if (context_.kill_session) {
    // Ending a session is the loop's business: handed to it and waited for (bounded, in case
    // the loop is shutting down). The loop never waits on the worker, so this cannot deadlock.
    context.kill_session = [kill = context_.kill_session, loop](
                               const std::string& id, const std::string& message) {
      auto done = std::make_shared<std::promise<bool>>();
      auto ended = done->get_future();
      asio::post(loop, [kill, done, id, message] { done->set_value(kill(id, message)); });
      return ended.wait_for(std::chrono::seconds(5)) == std::future_status::ready && ended.get();
    };
  }
  return context;
}

template <class Run>
awaitable<approvals::CommandResult> ApprovalsChannels::command(const Run& run) {
  auto loop = co_await asio::this_coro::executor;
  auto work = [run, caller = caller_, context = worker_context(loop)](
                  approvals::RequestService& service) { return run(service, caller, context); };
  co_return co_await storage_.run(work, caller_.user->name);
}

void ApprovalsChannels::database_away(Conversation& c) {
  const std::string sentence = StorageUnreachable().what();
  if (c.menu && c.mode == Conversation::Mode::menu) {
    c.menu->show_message("holdgate: " + sentence);
    c.redraw_wanted = true;
    return;
  }
  c.write("holdgate: " + sentence + "\n", true);
  c.finish(approvals::exit_refused);
}

awaitable<void> ApprovalsChannels::refresh_menu(Conversation& c) {
  std::vector<approvals::MenuItem> items;
  auto read = [caller = caller_](approvals::RequestService& requests) { return requests.pending_for(caller); };
  auto pending = co_await storage_.run(read, caller_.user->name);
  for (auto& request : pending) {
    approvals::MenuItem item;
    item.progress = approvals::progress(config_, request);
    item.own = request.user == caller_.user->name;
    item.reviewable = !item.own;
    item.waiting = context_.waiting && context_.waiting(request.id);
    item.request = std::move(request);
    items.push_back(std::move(item));
  }
  c.menu->set_requests(std::move(items));
}

awaitable<void> ApprovalsChannels::show_sessions(Conversation& c) {
  auto events = co_await storage_.run(
      [](approvals::RequestService& requests) {
        return requests.history_of(approvals::session_event_kinds(), storage::TimePoint{});
      },
      caller_.user->name);
  auto recorded = approvals::ended_sessions(std::move(events));
  c.menu->show_sessions(
      approvals::live_sessions_for(config_, *caller_.user, approvals::live_rows(context_)),
      approvals::recorded_sessions_for(config_, *caller_.user, std::move(recorded), menu_sessions),
      context_.invocation);
}

void ApprovalsChannels::redraw(Conversation& c) {
  c.redraw_wanted = false;
  c.write_raw(c.menu->render(c.cols, c.rows));
}

awaitable<void> ApprovalsChannels::handle_input(Conversation& c) {
  auto input = c.read_input();
  if (c.mode == Conversation::Mode::replaying) {
    // `q` or Ctrl-C stops a replay (the terminal is raw: Ctrl-C arrives as a byte); so does the
    // viewer's input ending. An export reads nothing: its client may well close stdin at once.
    if (!c.player) co_return;
    if (!input || input->find_first_of("qQ\x03") != std::string::npos) {
      c.write("\x1b[0m\n[holdgate: replay of session " + policy::sanitize(c.replay->session) +
              " stopped]\n");
      end_replay(c, approvals::exit_ok);
    }
    co_return;
  }
  if (c.mode == Conversation::Mode::watch) {
    // A bot's stdin closing is no reason to stop the stream; closing the channel is.
    co_return;
  }
  if (!input) {
    c.finish(0);
    co_return;
  }
  if (input->empty() && !c.menu->escape_pending()) co_return;
  if (input->empty()) {
    co_await apply(c, c.menu->on_escape_timeout());
  } else {
    // on_input stops at each action; drain what is left of the bytes.
    for (auto action = c.menu->on_input(*input); !std::holds_alternative<approvals::MenuNone>(action);
         action = c.menu->on_input({})) {
      co_await apply(c, action);
      if (c.mode != Conversation::Mode::menu) co_return;
    }
  }
  if (c.mode == Conversation::Mode::menu) c.redraw_wanted = true;
}

awaitable<void> ApprovalsChannels::apply(Conversation& c, const approvals::MenuAction& action) {
  if (std::holds_alternative<approvals::MenuQuit>(action)) {
    c.write_raw("\x1b[H\x1b[2J");
    c.finish(0);
    co_return;
  }
  if (std::holds_alternative<approvals::MenuShowSessions>(action)) {
    co_await show_sessions(c);
    co_return;
  }
  if (std::holds_alternative<approvals::MenuWebLogin>(action)) {
    // `web login` itself; the menu ends so the link is printed whole.
    auto web_login = [this](approvals::RequestService& service) {
      return web::run_web_command("web login", storage_.store_on_worker(), service.config(),
                                  caller_.user->name, caller_.source, service.now(),
                                  context_.invocation);
    };
    auto outcome = co_await storage_.run(web_login, caller_.user->name);
    if (outcome.exit_code != approvals::exit_ok) {
      c.menu->show_message(first_line(outcome.err.substr(outcome.err.find(' ') + 1)));
      co_return;
    }
    c.write_raw("\x1b[H\x1b[2J");
    c.write(outcome.out);
    c.finish(0);
    co_return;
  }
  if (auto* watch = std::get_if<approvals::MenuWatch>(&action)) {
    // `session watch ID` itself: the same checks, sentences and audit event; q comes back here.
    auto watch_command = [session = watch->session](auto& service, auto& caller, auto& context) {
      return approvals::run_parsed_command(approvals::cmd::SessionWatch{session}, service, caller, context);
    };
    auto result = co_await command(watch_command);
    if (result.watch_session.empty()) {
      c.menu->show_message(first_line(result.err));
      co_return;
    }
    c.write_raw("\x1b[H\x1b[2J");
    c.write(result.out);
    co_await start_watching(c, result.watch_session);
    co_return;
  }
  if (auto* kill = std::get_if<approvals::MenuKill>(&action)) {
    // `session kill ID --reason REASON` itself: refusals are its one-line sentences.
    auto kill_command = [killed = approvals::cmd::SessionKill{kill->session, kill->reason}](
                            auto& service, auto& caller, auto& context) {
      return approvals::run_parsed_command(killed, service, caller, context);
    };
    auto result = co_await command(kill_command);
    if (result.exit_code != approvals::exit_ok) {
      c.menu->show_message(first_line(result.err));
    } else {
      c.menu->session_killed(kill->session, first_line(result.out));
    }
    co_return;
  }
  if (auto* play = std::get_if<approvals::MenuPlay>(&action)) {
    // The same checks and audit event as `session play ID`; the menu comes back afterwards.
    auto play_command = [session = play->session](auto& service, auto& caller, auto&) {
      return approvals::run_session_replay(service, caller, approvals::SessionReplay::Kind::play, session, 1);
    };
    auto result = co_await command(play_command);
    if (!result.replay) {
      c.menu->show_message(first_line(result.err));
      co_return;
    }
    c.write_raw("\x1b[H\x1b[2J");
    start_replay(c, *result.replay);
    co_return;
  }
  if (auto* review = std::get_if<approvals::MenuReview>(&action)) {
    auto write = [caller = caller_, review = *review](approvals::RequestService& requests) {
      return requests.review(caller, review.id, review.decision, review.reason);
    };
    auto outcome = co_await storage_.run(write, caller_.user->name);
    if (auto* error = std::get_if<approvals::ServiceError>(&outcome)) {
      c.menu->show_message(error->message);
    } else {
      const auto& reviewed = std::get<storage::AccessRequest>(outcome);
      const auto progress = approvals::progress(config_, reviewed);
      if (review->decision == storage::Decision::approve && progress.approvals_held &&
          reviewed.state == storage::RequestState::pending) {
        c.menu->show_message("Approved: " + approvals::held_approval_sentence(progress) + ".");
      } else {
        c.menu->show_message(review->decision == storage::Decision::approve ? "Approved." : "Denied.");
      }
    }
    co_await refresh_menu(c);
  }
}

awaitable<void> ApprovalsChannels::handle_message(MessageHandle message) {
  ssh_message m = message.get();
  int type = ssh_message_type(m);
  int subtype = ssh_message_subtype(m);
  if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_SESSION) {
    if (conversations_.size() >= static_cast<std::size_t>(max_sessions_)) {
      ssh_message_reply_default(m);  // the client sees "open failed: administratively prohibited"
      co_return;
    }
    ChannelHandle channel(ssh_message_channel_request_open_reply_accept(m));
    if (channel) conversations_.push_back(std::make_unique<Conversation>(std::move(channel)));
    co_return;
  }
  Conversation* c = nullptr;
  if (type == SSH_REQUEST_CHANNEL) {
    for (auto& conversation : conversations_) {
      if (conversation->channel() == ssh_message_channel_request_channel(m)) c = conversation.get();
    }
  }
  if (c == nullptr) {
    ssh_message_reply_default(m);
    co_return;
  }
  switch (subtype) {
    case SSH_CHANNEL_REQUEST_PTY:
      c->pty = true;
      c->resize(m);
      ssh_message_channel_request_reply_success(m);
      co_return;
    case SSH_CHANNEL_REQUEST_WINDOW_CHANGE:
      c->resize(m);
      if (c->mode == Conversation::Mode::menu) c->redraw_wanted = true;
      co_return;
    case SSH_CHANNEL_REQUEST_EXEC:
      if (c->mode != Conversation::Mode::starting) break;
      ssh_message_channel_request_reply_success(m);
      {
        const char* line = ssh_message_channel_request_command(m);
        co_await run_command(*c, line ? line : "");
      }
      co_return;
    case SSH_CHANNEL_REQUEST_SHELL:
      if (c->mode != Conversation::Mode::starting) break;
      ssh_message_channel_request_reply_success(m);
      if (c->pty) {
        c->mode = Conversation::Mode::menu;
        c->menu.emplace(caller_.user->name);
        c->redraw_wanted = true;
        try {
          co_await refresh_menu(*c);
        } catch (const StorageUnreachable&) {
          database_away(*c);
        }
      } else {
        co_await run_command(*c, "help");
      }
      co_return;
    default:
      break;
  }
  ssh_message_reply_default(m);
}

awaitable<void> ApprovalsChannels::finish_create(Conversation& c) {
  auto read = [id = c.awaited](approvals::RequestService& requests) { return requests.show(id); };
  auto stored = co_await storage_.run(read, caller_.user->name);
  if (auto* error = std::get_if<approvals::ServiceError>(&stored)) {
    c.write("holdgate: " + error->message + "\n", true);
    c.finish(approvals::exit_refused);
    co_return;
  }
  auto result = approvals::created_result(config_, std::get<storage::AccessRequest>(stored),
                                          context_.invocation);
  c.write(result.out);
  c.write(result.err, true);
  c.finish(result.exit_code);
}

awaitable<void> ApprovalsChannels::run_command(Conversation& c, std::string command_line) {
  approvals::CommandResult result;
  if (web::is_web_command(command_line)) {
    // `web login` / `web logout --all` (issue 17): the store's login links and sessions, on the
    // worker like every other storage call.
    auto web_command = [this, line = std::move(command_line)](approvals::RequestService& service) {
      return web::run_web_command(line, storage_.store_on_worker(), service.config(),
                                  caller_.user->name, caller_.source, service.now(),
                                  context_.invocation);
    };
    try {
      auto outcome = co_await storage_.run(web_command, caller_.user->name);
      c.write(outcome.out);
      c.write(outcome.err, true);
      c.finish(outcome.exit_code);
    } catch (const StorageUnreachable&) {
      database_away(c);
    }
    co_return;
  }
  try {
    auto line_command = [line = std::move(command_line)](auto& service, auto& caller, auto& context) {
      return approvals::run_command(line, service, caller, context);
    };
    result = co_await command(line_command);
  } catch (const StorageUnreachable&) {
    database_away(c);
    co_return;
  }
  c.write(result.out);
  c.write(result.err, true);
  if (result.replay) {
    start_replay(c, *result.replay);
  } else if (!result.watch_session.empty()) {
    co_await start_watching(c, result.watch_session);
  } else if (result.start_watch) {
    c.mode = Conversation::Mode::watch;
  } else if (!result.await_hooks.empty()) {
    c.mode = Conversation::Mode::awaiting_hooks;
    c.awaited = result.await_hooks;
    c.await_until = SteadyClock::now() + approvals::hook_wait_limit(config_);
  } else {
    c.finish(result.exit_code);
  }
}
awaitable<bool> ApprovalsChannels::step(Conversation& c,
                                        const std::deque<approvals::RequestChange>& changes) {
  bool progress = false;
  bool menu_stale = false;
  if (c.mode == Conversation::Mode::awaiting_hooks) {
    const bool settled = std::any_of(changes.begin(), changes.end(), [&](const auto& change) {
      return change.request.id == c.awaited &&
             approvals::hooks_settled(config_, change.request);
    });
    if (settled || SteadyClock::now() >= c.await_until) co_await finish_create(c);
  }
  for (const auto& change : changes) {
    if (!approvals::watch_concerns(config_, caller_.user->name, change)) continue;
    if (c.mode == Conversation::Mode::watch) c.write(approvals::watch_line(config_, change));
    menu_stale = true;
  }
  if (menu_stale && c.mode == Conversation::Mode::menu) {
    co_await refresh_menu(c);  // once for all the changes of this pass
    c.redraw_wanted = true;
  }
  if (c.mode == Conversation::Mode::menu || c.mode == Conversation::Mode::watch ||
      c.mode == Conversation::Mode::replaying) {
    co_await handle_input(c);
  }
  if (c.mode == Conversation::Mode::replaying) progress |= step_replay(c);
  if (c.mode == Conversation::Mode::watch_session) progress |= co_await step_watching(c);
  if (c.mode == Conversation::Mode::menu && c.redraw_wanted && c.output_sent()) {
    redraw(c);
    progress = true;
  }
  progress |= c.step();
  co_return progress;
}

awaitable<void> ApprovalsChannels::run(const bool& stop) {
  auto subscription = storage_.events().subscribe([this](const approvals::RequestChange& change) {
    changes_.push_back(change);
    waiter_.notify();
  });
  while (!stop && !connection_failed(user_)) {
    bool progress = false;
    for (int n = 0; n < messages_per_pass; ++n) {
      MessageHandle m{ssh_message_get(user_)};
      if (!m) break;
      co_await handle_message(std::move(m));
      progress = true;
    }
    auto changes = std::move(changes_);
    changes_.clear();
    for (auto& c : conversations_) {
      try {
        progress |= co_await step(*c, changes);
      } catch (const StorageUnreachable&) {
        database_away(*c);
        progress = true;
      }
    }
    std::erase_if(conversations_, [](const auto& c) { return c->mode == Conversation::Mode::finished; });
    if (progress) {
      // The thread is shared: let whatever else is ready run before the next pass.
      co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
      continue;
    }
    // A lone ESC may begin an arrow key's sequence: give the rest 50 ms to arrive.
    bool escape_pending = std::any_of(conversations_.begin(), conversations_.end(), [](const auto& c) {
      return c->menu && c->menu->escape_pending();
    });
    auto wake = SteadyClock::now() + (escape_pending ? escape_wait : idle_wait);
    for (const auto& c : conversations_) {
      if (c->mode == Conversation::Mode::awaiting_hooks) wake = std::min(wake, c->await_until);
      // A replay's next output is a timer on the loop, not a sleep.
      if (c->mode == Conversation::Mode::replaying && c->player && c->player->next_due()) {
        wake = std::min(wake, *c->player->next_due());
      }
    }
    co_await waiter_.wait(wake);
  }
}

}  // namespace holdgate::proxy
