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
#include "recording/recording_file.hpp"
#include "recording/replay.hpp"
#include "recording/stream_format.hpp"

namespace holdgate::proxy {
namespace {

// A watcher that reads nothing must not make holdgate buffer without end.
constexpr std::size_t max_pending_output = 1 << 20;

constexpr auto idle_wait = std::chrono::seconds(60);

// What a `session watch` watcher may fall behind by before it is dropped: the watched session
// never waits for a watcher (a few screens of a busy terminal; `cat` of a big file drops it).
constexpr std::size_t max_watcher_backlog = 256 * 1024;
constexpr auto escape_wait = std::chrono::milliseconds(50);

// `session export` / `play` read the recording this much at a time, and only once the last
// piece has gone into the client's window: memory stays bounded however large the file, and a
// client that reads slowly slows the reading. One read(2) of a local file per step is short
// enough to do on the loop (as the recording writer's open(2) is); no thread is needed.
constexpr std::size_t recording_read_size = 64 * 1024;

// The menu's sessions screen lists at most this many, newest first.
constexpr std::size_t menu_sessions = 200;

// Messages (window changes, requests, opens) handled per pass: a client that sends them as fast
// as it can gets its turn, then the other connections get theirs.
constexpr int messages_per_pass = 64;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string with_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

// One session channel on the approvals connection.
class ApprovalsChannels::Conversation {
 public:
  enum class Mode { starting, menu, watch, watch_session, awaiting_hooks, replaying, closing,
                    finished };

  explicit Conversation(ChannelHandle channel) : channel_(std::move(channel)) {}

  ssh_channel channel() const { return channel_.get(); }
  Mode mode = Mode::starting;
  bool pty = false;
  int cols = 80, rows = 24;
  std::optional<approvals::Menu> menu;
  // The menu's screen is out of date. A redraw replaces the whole screen, so while one is still
  // on its way out, later ones wait and become one: a storm of window changes or keys costs
  // one redraw per window the client reads, not one per message.
  bool redraw_wanted = false;
  // Mode::awaiting_hooks: the request `request create` made, and how long its hooks may take.
  std::string awaited;
  SteadyClock::time_point await_until{};
  // Mode::replaying: `session export` (no player) or `session play` of this recording.
  std::optional<approvals::SessionReplay> replay;
  std::optional<recording::RecordingFile> file;
  std::optional<recording::CastPlayer> player;
  std::optional<recording::StreamFilter> stream_filter;  // export --stream
  // Mode::watch_session: the live session watched, and this watcher's view of it. Leaving (the
  // conversation ends) tells the watched person.
  struct Watching {
    std::shared_ptr<LiveSession> session;
    std::shared_ptr<LiveWatcher> watcher;
    Watching(std::shared_ptr<LiveSession> s, std::shared_ptr<LiveWatcher> w)
        : session(std::move(s)), watcher(std::move(w)) {}
    Watching(const Watching&) = delete;
    Watching& operator=(const Watching&) = delete;
    ~Watching() {
      if (!watcher->ended()) session->leave(*watcher);
    }
  };
  std::unique_ptr<Watching> watching;

  // The size a pty-req or window-change announced, bounded; 0 (not given) keeps the last one.
  void resize(ssh_message request) {
    auto size = announced_size(request);
    if (size.columns > 0) cols = static_cast<int>(size.columns);
    if (size.rows > 0) rows = static_cast<int>(size.rows);
  }

  // Command output uses "\n"; a terminal in raw mode needs "\r\n".
  void write(std::string_view text, bool to_stderr = false) {
    write_raw(pty ? with_crlf(text) : std::string(text), to_stderr);
  }

  void write_raw(std::string_view text, bool to_stderr = false) {
    auto& pending = pending_[to_stderr ? 1 : 0];
    pending += text;
    if (pending.size() > max_pending_output) {
      pending_[0].clear();
      pending_[1] = "holdgate: output not read; closing\n";
      finish(1);
    }
  }

  // Nothing written is still waiting for the client's window.
  bool output_sent() const { return pending_[0].empty() && pending_[1].empty(); }

  void finish(int status) {
    exit_status_ = status;
    mode = Mode::closing;
  }

  // Moves pending output into the channel window; true when anything moved or changed.
  bool step() {
    if (mode == Mode::finished) return false;
    if (ssh_channel_is_closed(channel_.get())) {
      mode = Mode::finished;
      return true;
    }
    bool progress = false;
    for (int stream = 0; stream < 2; ++stream) {
      auto& pending = pending_[stream];
      std::size_t n = std::min<std::size_t>(pending.size(), ssh_channel_window_size(channel_.get()));
      if (n == 0) continue;
      int written = stream == 0 ? ssh_channel_write(channel_.get(), pending.data(), n)
                                : ssh_channel_write_stderr(channel_.get(), pending.data(), n);
      if (written > 0) {
        pending.erase(0, static_cast<std::size_t>(written));
        progress = true;
      }
    }
    if (mode == Mode::closing && pending_[0].empty() && pending_[1].empty()) {
      ssh_channel_request_send_exit_status(channel_.get(), exit_status_);
      ssh_channel_send_eof(channel_.get());
      ssh_channel_close(channel_.get());
      mode = Mode::finished;
      progress = true;
    }
    return progress;
  }

  // Bytes the person typed; nullopt once they can type no more (EOF).
  std::optional<std::string> read_input() {
    std::array<char, 1024> buffer;
    int n = ssh_channel_read_nonblocking(channel_.get(), buffer.data(), buffer.size(), 0);
    if (n == SSH_EOF || n == SSH_ERROR) return std::nullopt;
    return n > 0 ? std::string(buffer.data(), static_cast<std::size_t>(n)) : std::string();
  }

 private:
  ChannelHandle channel_;
  std::array<std::string, 2> pending_;  // stdout, stderr
  int exit_status_ = 0;
};

ApprovalsChannels::ApprovalsChannels(ssh_session user, SshWaiter& waiter, StorageWorker& storage,
                                     approvals::Caller caller, approvals::CommandContext context,
                                     const WaitingRegistry& waiting, int max_sessions,
                                     LiveSessions* live)
    : user_(user),
      waiter_(waiter),
      storage_(storage),
      config_(storage.config()),
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

void ApprovalsChannels::start_replay(Conversation& c, const approvals::SessionReplay& replay) {
  const bool play = replay.kind == approvals::SessionReplay::Kind::play;
  if (play && !c.pty) {
    c.write("holdgate: session play needs a terminal (ssh -t); to save the recording instead: " +
                context_.invocation + " session export " + policy::sanitize(replay.session) +
                " > session.cast\n",
            true);
    c.finish(approvals::exit_refused);
    return;
  }
  auto opened = recording::RecordingFile::open(replay.file);
  if (auto* error = std::get_if<std::string>(&opened)) {
    c.write("holdgate: session " + policy::sanitize(replay.session) + " cannot be replayed: " +
                policy::sanitize(*error) + "\n",
            true);
    end_replay(c, approvals::exit_refused);
    return;
  }
  c.file.emplace(std::move(std::get<recording::RecordingFile>(opened)));
  c.replay = replay;
  c.mode = Conversation::Mode::replaying;
  if (replay.stream != 0) c.stream_filter.emplace(replay.stream);
  if (play) {
    c.player.emplace(replay.speed);
    std::string speed = replay.speed == 1 ? "" : " at " + approvals::JsonWriter().value(replay.speed).str() + "x";
    c.write("[holdgate: replaying session " + policy::sanitize(replay.session) + speed +
            "; q stops]\n");
  }
}

bool ApprovalsChannels::step_replay(Conversation& c) {
  // Whatever went out before must be in the client's window first: that is the back-pressure.
  if (!c.output_sent()) return false;
  const bool play = c.player.has_value();
  bool progress = false;
  if (!play || c.player->wants_bytes()) {
    std::string bytes = c.file->read(recording_read_size);
    progress = true;
    if (!c.file->error().empty()) {
      c.write("\nholdgate: session " + policy::sanitize(c.replay->session) + " cannot be replayed: " +
                  policy::sanitize(c.file->error()) + "\n",
              true);
      end_replay(c, approvals::exit_refused);
      return true;
    }
    if (!play) {
      if (c.stream_filter) bytes = c.stream_filter->pass(bytes);
      if (!bytes.empty()) {
        c.write_raw(bytes);  // byte for byte: no "\r\n" even on a terminal
        return true;
      }
    } else {
      c.player->feed(bytes);
      if (c.file->at_end()) c.player->end_of_file();
    }
  }
  if (play) {
    const bool had_size = c.player->size().has_value();
    std::string out = c.player->due_output(SteadyClock::now());
    if (!had_size && c.player->size() &&
        (c.player->size()->width > static_cast<unsigned>(c.cols) ||
         c.player->size()->height > static_cast<unsigned>(c.rows))) {
      c.write("[holdgate: recorded at " + std::to_string(c.player->size()->width) + "x" +
              std::to_string(c.player->size()->height) + ", your terminal is " +
              std::to_string(c.cols) + "x" + std::to_string(c.rows) +
              "; enlarge it for a faithful replay]\n");
    }
    if (!out.empty()) {
      c.write_raw(out);
      progress = true;
    }
    if (!c.player->finished()) return progress;
    if (!c.player->error().empty()) {
      c.write("\x1b[0m\nholdgate: session " + policy::sanitize(c.replay->session) + ": " +
                  policy::sanitize(c.player->error()) + "\n",
              true);
      end_replay(c, approvals::exit_refused);
      return true;
    }
    // The player may finish before the file's last read says so: read to the end for the hash.
    if (!c.file->at_end()) return progress;
  } else if (!c.file->at_end()) {
    return progress;
  }
  // All of it is read: does it hash to what session.ended said?
  const std::string actual = c.file->sha256();
  if (auto broken = c.stream_filter ? c.stream_filter->end_of_file() : std::nullopt;
      broken && actual == c.replay->sha256) {
    c.write("holdgate: session " + policy::sanitize(c.replay->session) + " cannot be exported: " +
                *broken + "\n", true);
    end_replay(c, approvals::exit_refused);
    return true;
  }
  if (play) c.write("\x1b[0m\n[holdgate: end of session " + policy::sanitize(c.replay->session) + "]\n");
  if (actual != c.replay->sha256) {
    std::string sentence = approvals::tampered_sentence(*c.replay, actual);
    c.write(sentence, true);
    sentence.pop_back();  // its "\n"
    end_replay(c, approvals::exit_refused, sentence.substr(std::string_view("holdgate: ").size()));
  } else {
    end_replay(c, approvals::exit_ok);
  }
  return true;
}

void ApprovalsChannels::end_replay(Conversation& c, int status, std::string note) {
  c.replay.reset();
  c.file.reset();
  c.player.reset();
  c.stream_filter.reset();
  if (!c.menu) {
    c.finish(status);
    return;
  }
  // Played from the menu: back to its sessions screen (what was said stays until the redraw).
  c.mode = Conversation::Mode::menu;
  if (!note.empty()) c.menu->show_message(std::move(note));
  c.redraw_wanted = true;
}

awaitable<void> ApprovalsChannels::start_watching(Conversation& c, const std::string& id) {
  auto session = live_ ? live_->find(id) : nullptr;
  if (!session) {
    co_await stop_watching(c, approvals::exit_refused, "session " + id + " has just ended");
    co_return;
  }
  auto watcher = std::make_shared<LiveWatcher>(caller_.user->name, max_watcher_backlog, waiter_.notifier());
  session->join(watcher);
  c.watching = std::make_unique<Conversation::Watching>(session, std::move(watcher));
  c.mode = Conversation::Mode::watch_session;
  auto row = session->row();
  approvals::JsonWriter details;
  details.begin_object().key("session").value(row.id).key("person").value(row.owner.person).end_object();
  storage_.record({std::chrono::system_clock::now(), "session.watched", caller_.user->name, caller_.source,
                    row.login + "@" + row.target, details.str()});
}

awaitable<bool> ApprovalsChannels::step_watching(Conversation& c) {
  LiveWatcher& watcher = *c.watching->watcher;
  // Typing is never passed on: q or Ctrl-C leaves, the rest is dropped. (As with `request
  // watch`, stdin closing is no reason to stop; closing the channel is.)
  auto input = c.read_input();
  if (input && input->find_first_of("qQ\x03") != std::string::npos) {
    c.write_raw(watcher.take());
    co_await stop_watching(c, approvals::exit_ok, "stopped watching");
    co_return true;
  }
  if (watcher.dropped()) {
    co_await stop_watching(c, approvals::exit_refused, "you were dropped from watching: your connection could not keep up");
    co_return true;
  }
  if (watcher.ended()) {
    c.write_raw(watcher.take());
    co_await stop_watching(c, approvals::exit_ok, "the session ended");
    co_return true;
  }
  // Only what the channel can take now moves on; the rest stays in the bounded backlog.
  if (!c.output_sent()) co_return false;
  std::string data = watcher.take();
  if (data.empty()) co_return false;
  c.write_raw(data);
  co_return true;
}

awaitable<void> ApprovalsChannels::stop_watching(Conversation& c, int status, const std::string& sentence) {
  c.watching.reset();
  if (!c.menu) {
    c.write("\nholdgate: " + sentence + "\n", true);
    c.finish(status);
    co_return;
  }
  // Watched from the menu: back to its sessions screen, listed afresh (the session may be over),
  // with what happened in the footer. The watched terminal's colours are not the menu's.
  c.write_raw("\x1b[0m");
  c.mode = Conversation::Mode::menu;
  co_await refresh_menu(c);
  co_await show_sessions(c);
  std::string note = sentence;
  note[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(note[0])));
  c.menu->show_message(note + ".");
  c.redraw_wanted = true;
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
