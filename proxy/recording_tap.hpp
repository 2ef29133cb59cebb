// The recording tap: what one session channel shows and is sent, fed in by the ChannelBridge
// at the points where bytes reach the user and the target. It decides (by the login's mode)
// whether the channel gets a .cast file, counts bytes either way, and leaves the audit trail:
// `session.exec` when an exec or subsystem starts, `session.ended` for every channel that ran
// (with the recording's path and SHA-256 once the writer thread has closed the file).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/storage_worker.hpp"
#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "live_sessions.hpp"
#include "runtime/net.hpp"
#include "recording/recording.hpp"
#include "recording/writer.hpp"

namespace holdgate::proxy {

// What a session's channels share: who, where, and how this login is recorded.
struct RecordingScope {
  recording::RecordingWriter* writer = nullptr;
  const config::RecordingSettings* settings = nullptr;
  StorageWorker* storage = nullptr;  // audit events go through it, off the loop
  EventLog* log = nullptr;
  asio::any_io_executor executor;
  std::function<void()> wake;  // the session's notifier (for a failed required recording)
  // Audit events still waiting for their recording's hash; shutdown waits for them.
  std::shared_ptr<std::size_t> unfinished;
  std::string person, source, login, target, session_id;
  config::RecordingMode mode = config::RecordingMode::pty;
  bool required = false;  // record_required on the role that allowed the login
  // Who may see the session (issue 13, section 2): the roles that allowed the login and the
  // request whose grant did, if one did; and the registry its channels join while they run.
  std::vector<std::string> roles;
  std::string request_id;
  LiveSessions* live = nullptr;
};

class RecordingTap {
 public:
  enum class Kind { shell, exec, subsystem };

  // `scope` null: nothing is recorded or audited (a bridge without a session around it).
  RecordingTap(const RecordingScope* scope, std::string channel_id);
  ~RecordingTap();  // ends it if end() was not called
  RecordingTap(const RecordingTap&) = delete;
  RecordingTap& operator=(const RecordingTap&) = delete;

  void pty(std::string term, unsigned columns, unsigned rows);
  // The user's shell, exec or subsystem request is about to go up. Opens the recording when
  // the mode wants one; a sentence for the user when it must be recorded and cannot be.
  // Asked again (a resumed request), it answers the same.
  std::optional<std::string> start(Kind kind, std::string_view command);

  // The hot path: bytes written to the user (the target's stdout or stderr, or holdgate's own
  // words) and bytes written to the target.
  void to_user(const char* data, std::size_t n, bool is_stderr) {
    bytes_out_ += n;
    if (live_) live_->to_user(data, n);
    if (recording_) recording_->data(is_stderr ? recording::Stream::error_output : recording::Stream::output,
                                     {data, n}, recording::SteadyClock::now());
  }
  void from_user(const char* data, std::size_t n) {
    bytes_in_ += n;
    if (recording_ && record_input_) recording_->data(recording::Stream::input, {data, n}, recording::SteadyClock::now());
  }
  void resize(unsigned columns, unsigned rows);
  void marker(std::string_view text);  // holdgate's own notices ("revoked", "expired")
  void exit_status(int status) { exit_status_ = status; }
  void exit_signal(std::string name) { exit_signal_ = std::move(name); }

  // Set when recording is required and the file can no longer be written: the sentence that
  // ends the channel.
  std::optional<std::string> failure_sentence() const;

  // While the channel runs (after start()): its entry among the live sessions, if any.
  LiveSession* live() const { return live_.get(); }

  // The channel is over: closes the recording and audits `session.ended` (later, with the
  // recording's hash, once the writer has closed the file).
  void end();

 private:
  void go_live(std::string recording_path);
  const RecordingScope* scope_;
  std::string channel_id_;
  std::optional<Kind> kind_;
  std::string command_;
  std::optional<std::string> refusal_;
  std::string term_;
  unsigned columns_ = 80, rows_ = 24;
  bool has_pty_ = false;
  bool record_input_ = false;
  bool ended_ = false;
  std::shared_ptr<recording::Recording> recording_;
  std::shared_ptr<LiveSession> live_;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0;
  std::optional<int> exit_status_;
  std::optional<std::string> exit_signal_;
};

}  // namespace holdgate::proxy
