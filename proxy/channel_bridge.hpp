// One session channel relayed end to end: the channel the user opened to holdgate on one side,
// the channel holdgate opened to the target on the other. Requests (pty, env, shell, exec,
// subsystem, window-change, signals) go up in order, each answered only once the target has
// answered; data flows both ways within both legs' windows through one bounded buffer per
// stream; EOF, exit status and close are passed on in the order the target sent them.
#pragma once

#include <libssh/callbacks.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bastion_metrics.hpp"
#include "channel_flow.hpp"
#include "recording_tap.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {

class ChannelBridge {
 public:
  // Takes the user's still-unanswered channel-open request; answers it once the target has
  // opened its side (or failed to). What the channel shows and is sent goes to a recording tap
  // in `recording` (none when null), as `channel_id`.
  ChannelBridge(MessageHandle open_request, ssh_session upstream,
                const RecordingScope* recording = nullptr, std::string channel_id = {},
                BastionMetrics* metrics = nullptr);
  ~ChannelBridge();
  ChannelBridge(const ChannelBridge&) = delete;
  ChannelBridge& operator=(const ChannelBridge&) = delete;

  ssh_channel user_channel() const { return user_.get(); }

  // A channel request message from the user for this channel.
  void enqueue(MessageHandle request);

  // Which legs' sockets delivered bytes since the previous step. While bytes keep arriving
  // from a leg, its streams gather data into larger batches before sending it on.
  struct Arrivals {
    bool from_user = false;
    bool from_target = false;
  };

  // Does everything that can be done now without blocking; true when anything moved, or when
  // a stream holds a batch back (so the caller runs another pass rather than sleep on it).
  bool step(Arrivals arrivals, std::chrono::steady_clock::time_point now);

  bool finished() const { return state_ == State::finished; }

  // The user's side still expects something on this channel (they have not closed it): if
  // their connection ends now, the session was cut short rather than finished.
  bool awaited_by_user() const;

  // The user's connection broke mid-session: end the target's side the way a dropped terminal
  // would (SIGHUP, then close), never with an EOF that would pass truncated input off as
  // complete.
  void hang_up();

  // The target connection is gone (or the grant ended): say so on the user's stderr and close.
  void abort(const std::string& message);

  // `ssh -A` on this channel: asked when the client requests agent forwarding, in order with
  // the channel's other requests; when it answers true the request goes on to the target.
  // Without it, agent forwarding stays refused.
  void set_agent_forwarding(std::function<bool()> permitted) { agent_permitted_ = std::move(permitted); }

  // A notice on the user's terminal, once (only when the channel has one; never into piped
  // data). True when it was written now.
  bool warn(const std::string& message);

 private:
  enum class State { opening, open, finished };

  struct Signal {
    std::string name;
  };
  struct AgentRequest {};  // auth-agent-req@openssh.com (ssh -A)
  using Request = std::variant<MessageHandle, Signal, AgentRequest>;

  bool step_opening();
  bool step_requests();
  bool forward_head_request();
  bool step_close();
  // What reviewers asked of this channel while it is live (notices, an end); true when it did
  // anything.
  bool step_live();
  bool broken() const { return up_.failed || down_.failed || down_stderr_.failed; }
  void write_user_stderr(const std::string& text);
  // The shell, exec or subsystem cannot start (a required recording): one sentence, exit 1.
  void refuse_start(ssh_message request, const std::string& sentence);

  static void on_user_signal(ssh_session, ssh_channel, const char* signal, void* self);
  static void on_user_close(ssh_session, ssh_channel, void* self);
  static void on_user_agent_request(ssh_session, ssh_channel, void* self);
  static void on_exit_status(ssh_session, ssh_channel, int status, void* self);
  static void on_exit_signal(ssh_session, ssh_channel, const char* signal, int core,
                             const char* errmsg, const char* lang, void* self);

  State state_ = State::opening;
  MessageHandle open_request_;
  ChannelHandle user_;
  ChannelHandle upstream_;
  ssh_channel_callbacks_struct user_callbacks_{};
  ssh_channel_callbacks_struct upstream_callbacks_{};
  std::deque<Request> requests_;
  ChannelFlow up_, down_, down_stderr_;
  BastionMetrics* metrics_ = nullptr;  // bytes relayed are added here at the end
  std::function<bool()> agent_permitted_;
  bool has_pty_ = false;
  bool user_closed_ = false;  // the user sent CHANNEL_CLOSE
  bool warned_ = false;
  bool sent_user_eof_ = false, sent_upstream_eof_ = false;
  std::optional<int> exit_status_;
  struct ExitSignal {
    std::string name, message;
    bool core = false;
  };
  std::optional<ExitSignal> exit_signal_;
  RecordingTap tap_;  // last: it audits the channel's end when the bridge goes
};

}  // namespace holdgate::proxy
