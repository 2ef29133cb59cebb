// One user connection, from the first byte to the last. It owns both legs (the user's SSH
// session and, once policy allows, the upstream one) and reads top to bottom:
// handshake -> authenticate -> route -> decide -> dial upstream -> relay -> close.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channel_bridge.hpp"
#include "forwards.hpp"
#include "jump_pipe.hpp"
#include "runtime/net.hpp"
#include "policy/access.hpp"
#include "policy/locks.hpp"
#include "session_context.hpp"
#include "ssh_handles.hpp"
#include "ssh_waiter.hpp"
#include "user_auth.hpp"

namespace holdgate::proxy {

class Session {
 public:
  // The inner connection of a ProxyJump: who opened the outer one, and the target it asked
  // for; the inner user name is then just the login.
  struct JumpOrigin {
    std::string person;  // by name: a reload may have replaced the outer one's snapshot
    std::string target;
  };

  // Where a connection comes from: "ip:port" for logs, and the address its limits count by.
  // An inner connection of a ProxyJump comes from where its outer one does. Behind a load
  // balancer that is the client its PROXY header names, and `via` the balancer ("ip:port").
  struct Peer {
    std::string text;
    config::IpAddress address;
    std::string via = {};
  };

  // `user` was accepted on a dup of `socket`'s descriptor; `startup` is released once the
  // person has authenticated (or never will).
  Session(SessionContext& context, SessionHandle user, StreamSocket socket, Peer peer,
          StartupSlot startup, std::optional<JumpOrigin> jump = std::nullopt);

  // Runs the session; the coroutine frame holds `self`, so the session lives as long as it runs.
  static awaitable<void> run(std::shared_ptr<Session> self) { co_await self->run(); }


  // Ends the session at its next step (shutdown).
  void stop();
  bool authenticated() const { return authenticated_; }

 private:
  awaitable<void> run();
  // Answers the verified key's authentication request: the person is in.
  void accept(MessageHandle pending);
  // ---- The login decision (session_decision.cpp), each storage read on the storage worker.
  // Decides `login` on `target` for `person`: allowed as it stands, or after an inline
  // escalation (whose request joins `session_requests`). nullopt when refused (the person has
  // been told). Throws StorageUnreachable when the database cannot be reached.
  awaitable<std::optional<policy::AccessDecision>> admit(AuthenticatedPerson& person,
                                                         const approvals::Caller& caller,
                                                         const std::string& login,
                                                         const config::Target& target,
                                                         std::vector<std::string>& session_requests);
  // The policy decision for this login now, with the person's live grants; logged and audited.
  awaitable<policy::AccessDecision> decide(const config::User& user, const std::string& login,
                                           const config::Target& target);
  // Does policy still allow the permit's login with the grants as stored now? Neither logged
  // nor audited: asked again after a grant was taken back, not a new login. False also when
  // the database cannot be reached: what is taken back is not kept on a guess.
  awaitable<bool> still_allowed(const policy::LoginPermit& permit);
  // The lock that covers this login (by person, target, or the role that allowed it), if any.
  awaitable<std::optional<policy::Lock>> covering_lock(const config::User& user,
                                                       const config::Target& target,
                                                       const policy::AccessDecision& decision);
  // An allowed login that depends on a grant with uses takes one (issue 12, section 3); the
  // loser of a race for the last use is decided again. Returns the decision that stands.
  awaitable<policy::AccessDecision> take_use(const approvals::Caller& caller,
                                             policy::AccessDecision decision,
                                             const std::string& login, const config::Target& target);
  // `open_request`: a session channel request already taken from the queue, if any.
  awaitable<void> refuse(const std::string& message, MessageHandle open_request = {});
  // ProxyJump mode: serves direct-tcpip channels to targets' SSH ports with inner sessions.
  awaitable<void> serve_jump(const config::User& person, const std::string& not_a_route);
  awaitable<void> relay(UpstreamHandle upstream, const policy::LoginPermit& permit);
  void handle_relay_message(MessageHandle message, ssh_session upstream,
                            std::vector<std::unique_ptr<ChannelBridge>>& bridges, Forwards& forwards);
  // How this connection's forwards are logged and audited, about `subject` ("root@db-1").
  Forwards::Reporter forward_reporter(const std::string& subject);
  // One leg ("user" or "target") broke with sessions open: one log line, one audit event.
  void record_failure(const std::string& leg, const std::string& reason,
                      const policy::LoginPermit& permit);
  // Waits (bounded) until what libssh holds for `session` has been written.
  awaitable<void> flush(ssh_session session);
  void log(std::string_view event, const std::vector<EventLog::Field>& fields = {});
  // A reload removed this person or their key: live channels show `message` and end; a held
  // or approvals connection ends at its next step.
  void end_removed(const std::string& message);

  SessionContext& context_;
  // The config this session started under, kept alive as long as it runs (issue 15).
  std::shared_ptr<const config::Config> snapshot_;
  const config::Config& config_;
  SessionHandle user_;
  SshWaiter waiter_;
  std::string source_;
  config::IpAddress address_;
  std::string via_;  // the load balancer that relayed the connection, if any
  StartupSlot startup_;
  std::string id_;
  std::optional<JumpOrigin> jump_;
  std::string person_ = "-";
  std::string user_name_ = "-";
  bool authenticated_ = false;
  bool stop_requested_ = false;
  // ProxyJump inner connections of this one still in handshake (limits.max_jump_startups);
  // shared with their StartupSlots, which may outlive this session.
  std::shared_ptr<int> inner_startups_ = std::make_shared<int>(0);
  // How this login's channels are recorded (set when the relay starts), and how many session
  // channels it has opened (each channel's recording and audit id).
  RecordingScope recording_;
  int channels_opened_ = 0;
};

}  // namespace holdgate::proxy
