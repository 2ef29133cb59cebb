// Everything a relayed login forwards besides its sessions (issue 18), for one user connection:
// local forwards (direct-tcpip from the user, -L/-D/-W), remote listeners and their channels
// (tcpip-forward relayed to the target, forwarded-tcpip back to the user, -R), and agent
// channels (auth-agent@openssh.com from the target back to the user, -A). Each is allowed only
// as policy says (policy/forwarding_rules.hpp), bounded by limits.max_forwards, and logged and
// audited when it opens and closes. Refusals are SSH-level (the client reports "administratively
// prohibited") plus a log line; nothing else about the connection changes.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "forward_channel.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {

class Forwards {
 public:
  // How a forward is told: one log line, and (for what the audit trail keeps) one audit event
  // of `kind` ("forward.opened", ...) with free-text details.
  using LogField = std::pair<std::string_view, std::string_view>;  // as EventLog::Field
  struct Reporter {
    std::function<void(std::string_view event, const std::vector<LogField>& fields)> log;
    std::function<void(const std::string& kind, const std::string& details)> audit;
  };

  Forwards(config::Forwarding permitted, int max_forwards, ssh_session user, ssh_session upstream,
           Reporter reporter);
  ~Forwards();
  Forwards(const Forwards&) = delete;
  Forwards& operator=(const Forwards&) = delete;

  // A message from the user's connection: true when it was a forwarding request (direct-tcpip,
  // tcpip-forward, cancel-tcpip-forward), now taken care of; false leaves it to the caller.
  bool take_user_message(MessageHandle& message);
  // The same for a message from the target's connection (forwarded-tcpip, auth-agent).
  bool take_target_message(MessageHandle& message);

  // A session channel asked for agent forwarding (ssh -A): true when policy permits it (the
  // request then goes on to the target, whose agent channels are accepted from now on).
  bool agent_requested();

  // Moves what can be moved now; true when anything did.
  bool step(ChannelBridge::Arrivals arrivals, std::chrono::steady_clock::time_point now);

  // A leg failed or access ended: every forward ends at once, without an EOF, and no more are
  // opened (requests are refused from then on).
  void cut_all(const std::string& why);

  bool empty() const { return channels_.empty() && pending_listens_.empty(); }

 private:
  struct Listen {
    std::string address;
    int port = 0;
  };
  struct PendingListen {
    MessageHandle request;
    Listen listen;
    bool cancel = false;
  };

  bool open_local(MessageHandle& message);
  bool request_listen(MessageHandle& message, bool cancel);
  bool open_remote(MessageHandle& message);
  bool open_agent(MessageHandle& message);
  bool step_listens();
  // Refuses `message` (SSH-level) with a log line and an audit event.
  void refuse(MessageHandle& message, std::string_view kind, const std::string& destination,
              const std::string& reason);
  bool at_limit() const { return channels_.size() >= static_cast<std::size_t>(max_forwards_); }
  void report_opened(const ForwardChannel& channel);
  void report_closed(const ForwardChannel& channel);

  config::Forwarding permitted_;
  int max_forwards_;
  ssh_session user_;
  ssh_session upstream_;
  Reporter reporter_;
  bool cut_ = false;
  bool agent_forwarded_ = false;  // a session channel asked for it, and policy allowed it
  std::vector<std::unique_ptr<ForwardChannel>> channels_;
  std::vector<Listen> listens_;  // accepted by the target
  std::deque<PendingListen> pending_listens_;
};

}  // namespace holdgate::proxy
