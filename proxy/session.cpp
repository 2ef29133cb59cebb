#include "session.hpp"

#include <algorithm>
#include <cstdio>

#include "approvals/escalation_text.hpp"
#include "approvals/random.hpp"
#include "approvals/render.hpp"
#include "approvals_channel.hpp"
#include "connection_failure.hpp"
#include "escalation.hpp"
#include "forwards.hpp"
#include "policy/access.hpp"
#include "policy/forwarding_rules.hpp"
#include "policy/locks.hpp"
#include "policy/route.hpp"
#include "policy/sanitize.hpp"
#include "recording/mode.hpp"
#include "user_auth.hpp"

namespace holdgate::proxy {
namespace {

// Empty when the system has no random bytes to give.
std::string random_id() {
  unsigned char bytes[4];
  if (!approvals::random_bytes(bytes, sizeof bytes)) return {};
  char text[9];
  std::snprintf(text, sizeof text, "%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3]);
  return text;
}

// How long a refused user has to open a channel and read why before we hang up.
constexpr auto refusal_window = std::chrono::seconds(30);

// How long before a grant ends its holder's terminals are warned.
constexpr auto grant_warning = std::chrono::minutes(5);

// How long a session whose target is gone waits for the client to read why and hang up.
constexpr auto closing_grace = std::chrono::seconds(2);

// How long the last words to a leg (a hang-up, a goodbye) may take to leave.
constexpr auto flush_limit = std::chrono::seconds(2);

// Longest sleep between pump passes when nothing is due: a bound, not a poll interval.
constexpr auto idle_wait = std::chrono::seconds(60);

std::uint64_t bytes_seen(const ssh_counter_struct& c) { return c.in_bytes + c.out_bytes; }

// Ends, when destroyed, the until-session-end grants of the requests in `ids` (a session's end:
// every co_return of Session::run() after the decision). Posted to the storage worker: the
// session is over, nobody waits on it.
struct GrantsEndingWithSession {
  StorageWorker& storage;
  const approvals::Caller& caller;
  const std::vector<std::string>& ids;
  const std::string& what;  // "root@db-1"
  ~GrantsEndingWithSession() {
    for (const auto& id : ids) {
      if (id.empty()) continue;
      storage.post("ending the grant of request " + id,
                   [caller = caller, id, what = what](approvals::RequestService& requests) {
                     requests.end_with_session(caller, id, what);
                   });
    }
  }
};

}  // namespace

Session::Session(SessionContext& context, SessionHandle user, StreamSocket socket, Peer peer,
                 StartupSlot startup, std::optional<JumpOrigin> jump)
    : context_(context),
      snapshot_(context.config),
      config_(*snapshot_),
      user_(std::move(user)),
      waiter_(socket.get_executor()),
      source_(std::move(peer.text)),
      address_(peer.address),
      via_(std::move(peer.via)),
      startup_(std::move(startup)),
      id_(random_id()),
      jump_(std::move(jump)) {
  waiter_.watch(user_.get(), std::move(socket));
}

void Session::log(std::string_view event, const std::vector<EventLog::Field>& fields) {
  std::vector<EventLog::Field> all{{"session", id_}, {"source", source_}, {"person", person_},
                                   {"user", user_name_}};
  all.insert(all.end(), fields.begin(), fields.end());
  context_.log.write(event, all);
}

void Session::end_removed(const std::string& message) {
  log("access-removed");
  bool told = false;
  for (int n = 1; context_.live != nullptr && n <= channels_opened_; ++n) {
    if (auto live = context_.live->find(n == 1 ? id_ : id_ + "-" + std::to_string(n))) {
      live->kill(message);  // the bridge writes it, then closes both sides (as `session kill`)
      told = true;
    }
  }
  if (!told) stop();
}

void Session::stop() {
  stop_requested_ = true;
  waiter_.notify();
}

awaitable<void> Session::run() {
  if (id_.empty()) {
    id_ = "-";
    log("refused", {{"reason", approvals::RandomFailure().what()}});
    co_return;  // its start-up slot is released with the session
  }
  if (via_.empty()) {
    log("connect");
  } else {
    log("connect", {{"via", via_}});
  }
  ssh_set_blocking(user_.get(), 0);

  auto deadline = SteadyClock::now() + config_.limits.login_grace;
  auto auth = co_await authenticate_user(user_.get(), config_, context_.keys, waiter_, deadline,
                                         stop_requested_);
  startup_.release();  // the key is proven (or never will be): no longer a half-open slot
  if (auto* failure = std::get_if<AuthFailure>(&auth)) {
    log("auth", {{"result", "failed"}, {"reason", failure->reason}});
    if (context_.metrics) context_.metrics->on_auth_failure(failure->offence);
    // Penalties are for sources that fail to authenticate. An inner connection rides an
    // authenticated one (a person slow to answer a host key prompt, say), and is bounded by
    // max_jump_startups instead.
    auto penalty = jump_ ? std::nullopt
                         : context_.admissions.penalise(address_, failure->offence, SteadyClock::now());
    if (penalty) {
      auto seconds = std::chrono::ceil<std::chrono::seconds>(penalty->second).count();
      log("penalty", {{"refused", penalty->first}, {"for", std::to_string(seconds) + "s"},
                      {"reason", failure->reason}});
    }
    co_return;
  }
  auto& person = std::get<AuthenticatedPerson>(auth);
  if (jump_ && person.user->name != jump_->person) {
    // The inner connection of a ProxyJump must be the person who opened the outer one.
    log("auth", {{"result", "failed"}, {"reason", "inner key belongs to " + person.user->name}});
    if (context_.metrics) context_.metrics->on_auth_failure(limits::Offence::auth_failed);
    ssh_message_reply_default(person.pending.get());
    co_return;
  }
  person_ = person.user->name;
  user_name_ = person.user_name;
  log("auth", {{"result", "ok"}, {"key", person.key_fingerprint}});
  ConnectedPeople::Entry online;  // until this connection ends
  if (context_.people != nullptr) {
    online = context_.people->add({person.user->name, person.key_blob,
                                   [this](const std::string& message) { end_removed(message); }});
  }
  approvals::Caller caller{person.user, source_, person.key_fingerprint};

  if (person.user_name == "approvals") {
    accept(std::move(person.pending));
    approvals::CommandContext commands;
    commands.invocation = context_.approvals_command;
    commands.waiting = [this](const std::string& id) { return context_.waiting.contains(id); };
    if (LiveSessions* live = context_.live) {
      commands.live_sessions = [live] { return live->rows(); };
      commands.kill_session = [live](const std::string& id, const std::string& message) {
        auto session = live->find(id);
        if (!session) return false;
        session->kill(message);
        return true;
      };
    }
    ApprovalsChannels channels(user_.get(), waiter_, *context_.storage, snapshot_, caller,
                               std::move(commands), context_.waiting, config_.limits.max_sessions,
                               context_.live);
    co_await channels.run(stop_requested_);
    log("approvals-end");
    co_return;
  }

  std::variant<policy::Route, policy::RouteError> route =
      jump_ ? policy::jump_route(person.user_name, jump_->target) : policy::parse_route(person.user_name);
  if (auto* error = std::get_if<policy::RouteError>(&route); error != nullptr && jump_) {
    // The inner connection of a ProxyJump is a session to its target, never another jump.
    log("decision", {{"result", "bad-user-name"}});
    accept(std::move(person.pending));
    co_await refuse("holdgate: " + error->message);
    co_return;
  }
  if (auto* error = std::get_if<policy::RouteError>(&route)) {
    // Not LOGIN@TARGET: either a mistake, or the outer connection of `ssh -J bastion`, which
    // names no target and only opens direct-tcpip channels.
    accept(std::move(person.pending));
    co_await serve_jump(*person.user, "holdgate: " + error->message);
    co_return;
  }
  const auto& [login, target_name] = std::get<policy::Route>(route);
  const config::Target* target = config_.find_target(target_name);
  if (target == nullptr) {
    log("decision", {{"result", "unknown-target"}, {"target", target_name}});
    accept(std::move(person.pending));
    co_await refuse("holdgate: no target named '" + target_name + "'");
    co_return;
  }

  // However the session ends from here on, the grants it used that last until their session's
  // end (grant: {until: session-end}) are over: the inline request it waited for, and the grant
  // that allowed it.
  std::vector<std::string> session_requests;
  const std::string what = login + "@" + target->name;
  GrantsEndingWithSession end_grants{*context_.storage, caller, session_requests, what};
  std::optional<policy::AccessDecision> decision;
  bool unreachable = false;  // the database: the login cannot be decided now
  try {
    decision = co_await admit(person, caller, login, *target, session_requests);
  } catch (const StorageUnreachable&) {
    log("decision", {{"result", "storage-unreachable"}, {"login", login}, {"target", target->name}});
    unreachable = true;
  }
  if (unreachable) {
    if (person.pending) accept(std::move(person.pending));
    co_await refuse("holdgate: " + std::string(StorageUnreachable().what()));
    co_return;
  }
  if (!decision) co_return;  // refused, and told so
  authenticated_ = true;
  session_requests.push_back(decision->permit->request_id());

  auto dial_started = SteadyClock::now();
  auto dialed = co_await dial_upstream(*decision->permit, context_.upstream, waiter_);
  if (context_.metrics) context_.metrics->on_dial(SteadyClock::now() - dial_started);
  if (auto* error = std::get_if<DialError>(&dialed)) {
    log("upstream", {{"result", "failed"}, {"target", target->name}, {"reason", error->message}});
    co_await refuse(error->message);
    co_return;
  }
  log("session-start", {{"login", login}, {"target", target->name}});
  auto started = SteadyClock::now();
  co_await relay(std::move(std::get<UpstreamHandle>(dialed)), *decision->permit);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - started);
  log("session-end", {{"login", login}, {"target", target->name},
                      {"duration", std::to_string(seconds.count()) + "s"}});
}

void Session::accept(MessageHandle pending) {
  ssh_message_auth_reply_success(pending.get(), 0);
  authenticated_ = true;
}

awaitable<void> Session::serve_jump(const config::User& person, const std::string& not_a_route) {
  std::vector<std::unique_ptr<JumpPipe>> pipes;
  bool refusing_jumps = false;  // logged once until a jump is accepted again
  while (!stop_requested_ && !connection_failed(user_.get())) {
    bool progress = false;
    while (MessageHandle m{ssh_message_get(user_.get())}) {
      progress = true;
      int type = ssh_message_type(m.get());
      int subtype = ssh_message_subtype(m.get());
      if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_SESSION && pipes.empty()) {
        // A session on the bastion itself: the user name was meant as LOGIN@TARGET.
        log("decision", {{"result", "bad-user-name"}});
        co_await refuse(not_a_route, std::move(m));
        co_return;
      }
      if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_DIRECT_TCPIP) {
        std::string host = ssh_message_channel_request_open_destination(m.get());
        int port = ssh_message_channel_request_open_destination_port(m.get());
        const config::Target* target = config_.find_target(host);
        if (target != nullptr && (port == 22 || port == target->address.port) &&
            *inner_startups_ >= config_.limits.max_jump_startups) {
          // Inner connections go around the listener's admissions (this one is authenticated),
          // so they are capped here: a client cannot open handshakes without bound. As sshd
          // does for a channel it will not open, the refusal carries no text.
          if (!refusing_jumps) {
            log("refused", {{"what", "jump"}, {"reason", "too many inner connections in handshake"}});
          }
          refusing_jumps = true;
          ssh_message_reply_default(m.get());
          continue;
        }
        if (target != nullptr && (port == 22 || port == target->address.port)) {
          ChannelHandle channel(ssh_message_channel_request_open_reply_accept(m.get()));
          if (!channel) continue;
          auto executor = co_await asio::this_coro::executor;
          JumpPipe::Socket outer_end(executor), inner_end(executor);
          asio::local::connect_pair(outer_end, inner_end);
          log("jump", {{"target", target->name}});
          refusing_jumps = false;
          ++*inner_startups_;
          StartupSlot startup([counter = inner_startups_] { --*counter; });
          context_.start_inner_session(as_stream_socket(std::move(inner_end)), source_, address_,
                                       std::move(startup), person.name, target->name);
          pipes.push_back(std::make_unique<JumpPipe>(std::move(channel), std::move(outer_end), waiter_));
          continue;
        }
        // ProxyJump mode reaches targets' SSH ports only: forwarding is for LOGIN@TARGET
        // connections, where policy decides it (issue 18).
        log("refused", {{"what", "forwarding"}, {"destination", host + ":" + std::to_string(port)}});
      }
      ssh_message_reply_default(m.get());
    }
    for (auto& pipe : pipes) progress |= pipe->step();
    std::erase_if(pipes, [](const auto& p) { return p->finished(); });
    if (!progress) co_await waiter_.wait(SteadyClock::now() + idle_wait);
  }
}

// The person is authenticated but will not get through: accept their session channel just long
// enough to print one sentence on their stderr and exit non-zero.
awaitable<void> Session::refuse(const std::string& message, MessageHandle open_request) {
  auto deadline = SteadyClock::now() + refusal_window;
  ChannelHandle channel;
  if (open_request) channel.reset(ssh_message_channel_request_open_reply_accept(open_request.get()));
  std::string line_end = "\n";
  while (!stop_requested_ && !connection_failed(user_.get()) && SteadyClock::now() < deadline) {
    MessageHandle m(ssh_message_get(user_.get()));
    if (!m) {
      co_await waiter_.wait(deadline);
      continue;
    }
    int type = ssh_message_type(m.get());
    int subtype = ssh_message_subtype(m.get());
    if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_SESSION && !channel) {
      channel.reset(ssh_message_channel_request_open_reply_accept(m.get()));
      continue;
    }
    if (type != SSH_REQUEST_CHANNEL || !channel ||
        ssh_message_channel_request_channel(m.get()) != channel.get()) {
      ssh_message_reply_default(m.get());
      continue;
    }
    if (subtype == SSH_CHANNEL_REQUEST_PTY) {
      line_end = "\r\n";  // the client's terminal is raw now
      ssh_message_channel_request_reply_success(m.get());
    } else if (subtype == SSH_CHANNEL_REQUEST_SHELL || subtype == SSH_CHANNEL_REQUEST_EXEC ||
               subtype == SSH_CHANNEL_REQUEST_SUBSYSTEM) {
      ssh_message_channel_request_reply_success(m.get());
      std::string text = message + line_end;
      ssh_channel_write_stderr(channel.get(), text.data(), static_cast<uint32_t>(text.size()));
      ssh_channel_request_send_exit_status(channel.get(), 1);
      ssh_channel_close(channel.get());
      // Let the client read it and hang up; bounded, in case it does not.
      deadline = std::min(deadline, SteadyClock::now() + std::chrono::seconds(5));
    } else {
      ssh_message_reply_default(m.get());
    }
  }
}

awaitable<void> Session::relay(UpstreamHandle upstream, const policy::LoginPermit& permit) {
  const std::string& target_name = permit.target().name;
  // A login allowed by a grant ends with the grant: warned ahead in terminals, then closed.
  std::optional<SteadyClock::time_point> ends, warn_at;
  if (permit.expires()) {
    ends = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                    *permit.expires() - std::chrono::system_clock::now());
    warn_at = *ends - grant_warning;
  }
  // ---- Taking access back: a grant revoked, dropped or ended with another session (grant:
  // {until: session-end}) while the session runs ends it at once.
  // The change is pushed (not polled); the loop then decides again with the grants as stored
  // now, so a login that another grant or a standing role still allows goes on.
  std::optional<std::string> taken_back;  // "revoked by alice: incident over"
  auto taken_back_subscription = context_.storage->events().subscribe(
      [&](const approvals::RequestChange& change) {
        if (change.event == "lock.created" && change.lock) {
          // A break-glass rejection publishes its reason first, then its lock: keep the reason.
          if (!taken_back) {
            taken_back = "ended: " + policy::lock_sentence(approvals::policy_lock(*change.lock));
          }
          waiter_.notify();
          return;
        }
        if (change.request.user != permit.person()) return;
        // A rejected or unratified break-glass grant ends as a revoked one does.
        if (change.event != "request.revoked" && change.event != "request.dropped" &&
            change.event != "request.rejected" && change.event != "request.unratified" &&
            change.event != "request.ended") {
          return;
        }
        taken_back = change.request.resolution_reason;
        waiter_.notify();
      });

  // One poll context per leg, not one for both: libssh marks a session failed whenever a poll
  // of its context fails, and a poll fails when any socket in it ends, so a shared context made
  // the user's session fail along with the target's (and then nothing more could be said).
  EventHandle user_events(ssh_event_new()), upstream_events(ssh_event_new());
  ssh_event_add_session(user_events.get(), user_.get());
  ssh_event_add_session(upstream_events.get(), upstream.get());
  ssh_counter_struct user_counter{}, upstream_counter{};
  ssh_set_counters(user_.get(), &user_counter, nullptr);
  ssh_set_counters(upstream.get(), &upstream_counter, nullptr);

  // (Not awaited inside the initializer below: gcc 12 miscompiles co_await in a braced list.)
  auto executor = co_await asio::this_coro::executor;
  recording_ = RecordingScope{
      .writer = context_.recorder,
      .settings = &config_.recording,
      .storage = context_.storage,
      .log = &context_.log,
      .executor = executor,
      .wake = waiter_.notifier(),
      .unfinished = context_.unfinished_recordings,
      .person = person_,
      .source = source_,
      .login = permit.login(),
      .target = target_name,
      .session_id = id_,
      .mode = recording::effective_mode(config_, permit.target(), permit.role()),
      .required = recording::recording_required(config_, permit.role()),
      .roles = {permit.role()},
      .request_id = permit.request_id(),
      .live = context_.live};

  // Forwarding (issue 18) as the role that allowed this login permits it; declared before the
  // bridges, which ask it about agent forwarding.
  const config::Role* role = config_.find_role(permit.role());
  std::string subject = permit.login() + "@" + target_name;
  Forwards forwards(role != nullptr ? policy::forwarding_for(*role, permit.login(), permit.target())
                                   : config::Forwarding{},
                    config_.limits.max_forwards, user_.get(), upstream.get(),
                    forward_reporter(subject));
  std::vector<std::unique_ptr<ChannelBridge>> bridges;
  std::uint64_t received_from_user = 0, received_from_target = 0;
  bool upstream_lost = false;
  std::optional<SteadyClock::time_point> closing_by;
  // An idle session still sends something now and then on both legs, so NAT and firewall
  // state stays alive and a peer that vanished shows up as a socket error.
  auto keepalive = config_.limits.keepalive_interval;
  std::optional<SteadyClock::time_point> next_keepalive;
  if (keepalive.count() > 0) next_keepalive = SteadyClock::now() + keepalive;
  // The user's connection is checked once a pass, below, where a failure is told apart from
  // an ordinary end.
  while (!stop_requested_) {
    auto seen = bytes_seen(user_counter) + bytes_seen(upstream_counter);
    ssh_event_dopoll(user_events.get(), 0);
    ssh_event_dopoll(upstream_events.get(), 0);
    bool progress = false;
    while (MessageHandle m{ssh_message_get(user_.get())}) {
      progress = true;
      if (forwards.take_user_message(m)) continue;
      handle_relay_message(std::move(m), upstream_lost ? nullptr : upstream.get(), bridges, forwards);
    }
    // The target may send requests of its own (keepalives); answer them so none pile up. The
    // channels it opens back (ssh -R, ssh -A) are the forwards' to allow or refuse.
    while (MessageHandle m{ssh_message_get(upstream.get())}) {
      progress = true;
      if (!forwards.take_target_message(m)) ssh_message_reply_default(m.get());
    }
    ChannelBridge::Arrivals arrivals{user_counter.in_bytes != received_from_user,
                                     upstream_counter.in_bytes != received_from_target};
    received_from_user = user_counter.in_bytes;
    received_from_target = upstream_counter.in_bytes;
    auto now = SteadyClock::now();
    for (auto& bridge : bridges) progress |= bridge->step(arrivals, now);
    progress |= forwards.step(arrivals, now);
    if (auto failure = connection_failure(user_.get())) {
      forwards.cut_all("the user's connection failed: " + *failure);
      // The user is gone. Channels they had not closed were cut short: the target's side is
      // hung up, not told EOF, so a truncated upload never looks complete there.
      if (std::any_of(bridges.begin(), bridges.end(), [](const auto& b) { return b->awaited_by_user(); })) {
        record_failure("user", *failure, permit);
        for (auto& bridge : bridges) bridge->hang_up();
        ssh_session_set_disconnect_message(upstream.get(), "holdgate: the user's connection failed");
        ssh_session_set_disconnect_message(user_.get(), ("holdgate: your connection failed: " + *failure).c_str());
        co_await flush(upstream.get());
      }
      break;
    }
    if (!upstream_lost) {
      if (auto failure = connection_failure(upstream.get())) {
        upstream_lost = true;
        if (bridges.empty()) {
          log("upstream", {{"result", "lost"}, {"target", target_name}, {"reason", *failure}});
        } else {
          record_failure("target", *failure, permit);
        }
        for (auto& bridge : bridges) {
          bridge->abort("holdgate: the connection to " + target_name + " failed: " + *failure);
        }
        forwards.cut_all("the connection to " + target_name + " failed: " + *failure);
        progress = true;
      }
    }
    if (warn_at && SteadyClock::now() >= *warn_at) {
      // Every terminal once, including one opened after the warning time.
      for (auto& bridge : bridges) {
        progress |= bridge->warn("holdgate: your access to " + permit.login() + "@" + target_name +
                                 " ends at " + approvals::table_time(*permit.expires()));
      }
    }
    if (ends && SteadyClock::now() >= *ends) {
      log("grant-expired", {{"login", permit.login()}, {"target", target_name}});
      for (auto& bridge : bridges) {
        bridge->abort("holdgate: your access to " + permit.login() + "@" + target_name + " has expired");
      }
      forwards.cut_all("the grant expired");
      ends.reset();
      upstream_lost = true;  // nothing more goes to the target
      progress = true;
    }
    if (taken_back) {
      if (!co_await still_allowed(permit)) {
        log("grant-taken-back", {{"login", permit.login()}, {"target", target_name},
                                 {"reason", *taken_back}});
        for (auto& bridge : bridges) {
          bridge->abort("holdgate: your access to " + permit.login() + "@" + target_name +
                        " was " + policy::sanitize(*taken_back));
        }
        forwards.cut_all("access was taken back");
        ends.reset();
        warn_at.reset();
        upstream_lost = true;  // nothing more goes to the target
        progress = true;
      }
      taken_back.reset();
    }
    std::erase_if(bridges, [](const auto& b) { return b->finished(); });
    if (upstream_lost && bridges.empty()) {
      // Give the last words time to reach the client, which hangs up once it has read them.
      if (!closing_by) closing_by = SteadyClock::now() + closing_grace;
      if (SteadyClock::now() >= *closing_by) break;
    }
    progress |= bytes_seen(user_counter) + bytes_seen(upstream_counter) != seen;
    if (progress) continue;
    if (next_keepalive && SteadyClock::now() >= *next_keepalive) {
      ssh_send_ignore(user_.get(), "");
      if (!upstream_lost) ssh_send_ignore(upstream.get(), "");
      next_keepalive = SteadyClock::now() + keepalive;
      continue;
    }
    auto wake = SteadyClock::now() + idle_wait;
    if (next_keepalive) wake = std::min(wake, *next_keepalive);
    if (ends) wake = std::min(wake, *ends);
    if (closing_by) wake = std::min(wake, *closing_by);
    co_await waiter_.wait(wake);
  }
  bridges.clear();
  ssh_event_remove_session(user_events.get(), user_.get());
  ssh_event_remove_session(upstream_events.get(), upstream.get());
  waiter_.unwatch(upstream.get());
}

void Session::record_failure(const std::string& leg, const std::string& reason,
                             const policy::LoginPermit& permit) {
  std::string subject = permit.login() + "@" + permit.target().name;
  log("session-failed", {{"leg", leg}, {"login", permit.login()}, {"target", permit.target().name},
                         {"reason", reason}});
  context_.storage->record({std::chrono::system_clock::now(), "session.failed", person_, source_, subject,
                   leg + " connection failed: " + reason});
}

awaitable<void> Session::flush(ssh_session session) {
  // ssh_get_status() counts the bytes libssh still holds; its poll flags may keep asking for
  // POLLOUT after they are gone.
  auto pending = [&] { return (ssh_get_status(session) & SSH_WRITE_PENDING) != 0; };
  auto deadline = SteadyClock::now() + flush_limit;
  while (pending() && SteadyClock::now() < deadline) {
    if (ssh_blocking_flush(session, 0) == SSH_ERROR) break;  // timeout 0: writes what it can now
    if (!pending()) break;
    co_await waiter_.wait(deadline);
  }
}

void Session::handle_relay_message(MessageHandle message, ssh_session upstream,
                                   std::vector<std::unique_ptr<ChannelBridge>>& bridges,
                                   Forwards& forwards) {
  ssh_message m = message.get();
  int type = ssh_message_type(m);
  int subtype = ssh_message_subtype(m);
  if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_SESSION && upstream != nullptr) {
    const int max_sessions = config_.limits.max_sessions;
    if (bridges.size() < static_cast<std::size_t>(max_sessions)) {
      // The first channel is the session's id; later ones (multiplexed) add their number.
      int n = ++channels_opened_;
      bridges.push_back(std::make_unique<ChannelBridge>(
          std::move(message), upstream, &recording_, n == 1 ? id_ : id_ + "-" + std::to_string(n),
          context_.metrics));
      bridges.back()->set_agent_forwarding([&forwards] { return forwards.agent_requested(); });
      return;
    }
    // As sshd beyond MaxSessions: an SSH-level open failure; the other channels go on.
    log("refused", {{"what", "session"},
                    {"reason", "max_sessions (" + std::to_string(max_sessions) + ") reached"}});
  }
  if (type == SSH_REQUEST_CHANNEL) {
    ssh_channel channel = ssh_message_channel_request_channel(m);
    for (auto& bridge : bridges) {
      if (bridge->user_channel() == channel) {
        bridge->enqueue(std::move(message));
        return;
      }
    }
  }
  ssh_message_reply_default(m);
}

}  // namespace holdgate::proxy
