// Internal to the approvals channel (approvals_channel.cpp, approvals_channel_sessions.cpp):
// one session channel on an approvals connection, and the bounds both files keep to.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "announced_size.hpp"
#include "approvals_channel.hpp"
#include "connection_failure.hpp"
#include "policy/sanitize.hpp"
#include "recording/recording_file.hpp"
#include "recording/replay.hpp"
#include "recording/stream_format.hpp"

namespace holdgate::proxy {


// A watcher that reads nothing must not make holdgate buffer without end.
inline constexpr std::size_t max_pending_output = 1 << 20;

inline constexpr auto idle_wait = std::chrono::seconds(60);

// What a `session watch` watcher may fall behind by before it is dropped: the watched session
// never waits for a watcher (a few screens of a busy terminal; `cat` of a big file drops it).
inline constexpr std::size_t max_watcher_backlog = 256 * 1024;
inline constexpr auto escape_wait = std::chrono::milliseconds(50);

// `session export` / `play` read the recording this much at a time, and only once the last
// piece has gone into the client's window: memory stays bounded however large the file, and a
// client that reads slowly slows the reading. One read(2) of a local file per step is short
// enough to do on the loop (as the recording writer's open(2) is); no thread is needed.
inline constexpr std::size_t recording_read_size = 64 * 1024;

// The menu's sessions screen lists at most this many, newest first.
inline constexpr std::size_t menu_sessions = 200;

// Messages (window changes, requests, opens) handled per pass: a client that sends them as fast
// as it can gets its turn, then the other connections get theirs.
inline constexpr int messages_per_pass = 64;

inline std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

inline std::string with_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}


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

}  // namespace holdgate::proxy
