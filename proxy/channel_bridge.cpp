#include "channel_bridge.hpp"

#include <algorithm>
#include <cstring>

#include "announced_size.hpp"
#include "connection_failure.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::proxy {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Requests a client may have waiting on one channel while the target answers an earlier one:
// past this, new ones are refused (signals dropped), so a flood costs no more memory than this.
// A person needs a handful (pty, a few env, shell) plus the odd signal.
constexpr std::size_t max_waiting_requests = 64;

// Environment a user may set on the target; the rest could change how the remote shell runs.
bool forwarded_env(const char* name) {
  return name != nullptr && (std::strcmp(name, "TERM") == 0 || std::strcmp(name, "LANG") == 0 ||
                             std::strncmp(name, "LC_", 3) == 0);
}

bool is_window_change(const MessageHandle& message) {
  return ssh_message_subtype(message.get()) == SSH_CHANNEL_REQUEST_WINDOW_CHANGE;
}

}  // namespace

ChannelBridge::ChannelBridge(MessageHandle open_request, ssh_session upstream,
                             const RecordingScope* recording, std::string channel_id,
                             BastionMetrics* metrics)
    : open_request_(std::move(open_request)),
      upstream_(ssh_channel_new(upstream)),
      metrics_(metrics),
      tap_(recording, std::move(channel_id)) {}

ChannelBridge::~ChannelBridge() {
  if (metrics_) metrics_->on_relayed(up_.relayed, down_.relayed + down_stderr_.relayed);
  // libssh may keep a freed channel until the peer's close arrives; it must not call back into
  // a bridge that no longer exists.
  if (user_) ssh_remove_channel_callbacks(user_.get(), &user_callbacks_);
  if (upstream_) ssh_remove_channel_callbacks(upstream_.get(), &upstream_callbacks_);
}

void ChannelBridge::enqueue(MessageHandle request) {
  // While earlier requests wait for the target, window changes behind them would pile up; only
  // the last size counts, and window-change asks for no reply (RFC 4254 6.7), so a newer one
  // takes the place of a queued one it directly follows. (Not the head: it may be on its way.)
  if (requests_.size() >= 2 && is_window_change(request)) {
    auto* last = std::get_if<MessageHandle>(&requests_.back());
    if (last != nullptr && is_window_change(*last)) {
      *last = std::move(request);
      return;
    }
  }
  if (requests_.size() >= max_waiting_requests) {
    ssh_message_reply_default(request.get());  // refused (or, for a notice, dropped)
    return;
  }
  requests_.emplace_back(std::move(request));
}

bool ChannelBridge::step(Arrivals arrivals, SteadyClock::time_point now) {
  switch (state_) {
    case State::opening:
      return step_opening();
    case State::open: {
      if (auto sentence = tap_.failure_sentence()) {
        abort(*sentence);
        return true;
      }
      if (tap_.live() != nullptr && step_live()) return true;
      bool progress = step_requests();
      progress |= pump_flow(up_, arrivals.from_user, now, &tap_);
      progress |= pump_flow(down_, arrivals.from_target, now, &tap_);
      progress |= pump_flow(down_stderr_, arrivals.from_target, now, &tap_);
      progress |= step_close();
      return progress;
    }
    case State::finished:
      return false;
  }
  return false;
}

bool ChannelBridge::step_opening() {
  int rc = upstream_ ? ssh_channel_open_session(upstream_.get()) : SSH_ERROR;
  if (rc == SSH_AGAIN) return false;
  if (rc != SSH_OK) {
    ssh_message_reply_default(open_request_.get());
    state_ = State::finished;
    return true;
  }
  user_.reset(ssh_message_channel_request_open_reply_accept(open_request_.get()));
  open_request_.reset();
  if (!user_) {
    state_ = State::finished;
    return true;
  }
  user_callbacks_.userdata = this;
  user_callbacks_.channel_signal_function = &ChannelBridge::on_user_signal;
  user_callbacks_.channel_close_function = &ChannelBridge::on_user_close;
  user_callbacks_.channel_auth_agent_req_function = &ChannelBridge::on_user_agent_request;
  ssh_callbacks_init(&user_callbacks_);
  ssh_set_channel_callbacks(user_.get(), &user_callbacks_);
  upstream_callbacks_.userdata = this;
  upstream_callbacks_.channel_exit_status_function = &ChannelBridge::on_exit_status;
  upstream_callbacks_.channel_exit_signal_function = &ChannelBridge::on_exit_signal;
  ssh_callbacks_init(&upstream_callbacks_);
  ssh_set_channel_callbacks(upstream_.get(), &upstream_callbacks_);

  up_ = ChannelFlow(user_.get(), upstream_.get(), false, false);
  down_ = ChannelFlow(upstream_.get(), user_.get(), false, true);
  down_stderr_ = ChannelFlow(upstream_.get(), user_.get(), true, true);
  state_ = State::open;
  return true;
}

bool ChannelBridge::step_requests() {
  bool progress = false;
  while (!requests_.empty() && state_ == State::open && forward_head_request()) {
    requests_.pop_front();
    progress = true;
  }
  return progress;
}

// Forwards the oldest request; false while the target has not answered yet. libssh's request
// calls are resumable: calling again with the same arguments continues the pending request.
bool ChannelBridge::forward_head_request() {
  ssh_channel up = upstream_.get();
  if (auto* signal = std::get_if<Signal>(&requests_.front())) {
    ssh_channel_request_send_signal(up, signal->name.c_str());
    return true;
  }
  if (std::holds_alternative<AgentRequest>(requests_.front())) {
    // Asks no reply (as OpenSSH's client), so nothing waits on the target here.
    if (agent_permitted_ && agent_permitted_()) ssh_channel_request_auth_agent(up);
    return true;
  }
  ssh_message message = std::get<MessageHandle>(requests_.front()).get();
  int rc = SSH_ERROR;
  switch (ssh_message_subtype(message)) {
    case SSH_CHANNEL_REQUEST_PTY: {
      auto size = announced_size(message);
      rc = ssh_channel_request_pty_size(up, ssh_message_channel_request_pty_term(message),
                                        static_cast<int>(size.columns),
                                        static_cast<int>(size.rows));
      if (rc == SSH_OK) {
        has_pty_ = true;
        const char* term = ssh_message_channel_request_pty_term(message);
        tap_.pty(term ? term : "", size.columns, size.rows);
      }
      break;
    }
    case SSH_CHANNEL_REQUEST_WINDOW_CHANGE: {
      auto size = announced_size(message);
      rc = ssh_channel_change_pty_size(up, static_cast<int>(size.columns),
                                       static_cast<int>(size.rows));
      if (rc == SSH_OK) tap_.resize(size.columns, size.rows);
      break;
    }
    case SSH_CHANNEL_REQUEST_ENV:
      if (forwarded_env(ssh_message_channel_request_env_name(message))) {
        rc = ssh_channel_request_env(up, ssh_message_channel_request_env_name(message),
                                     ssh_message_channel_request_env_value(message));
      }
      break;
    case SSH_CHANNEL_REQUEST_SHELL:
      if (auto refusal = tap_.start(RecordingTap::Kind::shell, "")) {
        refuse_start(message, *refusal);
        return true;
      }
      rc = ssh_channel_request_shell(up);
      break;
    case SSH_CHANNEL_REQUEST_EXEC: {
      const char* command = ssh_message_channel_request_command(message);
      if (auto refusal = tap_.start(RecordingTap::Kind::exec, command ? command : "")) {
        refuse_start(message, *refusal);
        return true;
      }
      rc = ssh_channel_request_exec(up, command);
      break;
    }
    case SSH_CHANNEL_REQUEST_SUBSYSTEM: {
      const char* name = ssh_message_channel_request_subsystem(message);
      if (auto refusal = tap_.start(RecordingTap::Kind::subsystem, name ? name : "")) {
        refuse_start(message, *refusal);
        return true;
      }
      rc = ssh_channel_request_subsystem(up, name);
      break;
    }
    default:  // x11 and anything unknown stay refused
      break;
  }
  if (rc == SSH_AGAIN) return false;
  if (rc == SSH_OK) {
    ssh_message_channel_request_reply_success(message);
  } else {
    ssh_message_reply_default(message);
  }
  return true;
}

bool ChannelBridge::step_close() {
  ssh_channel user = user_.get();
  ssh_channel up = upstream_.get();
  // A leg that failed ends nothing here (its channels look closed, its streams ended): the
  // session tells the other leg.
  if (connection_failed(ssh_channel_get_session(user)) || connection_failed(ssh_channel_get_session(up))) {
    return false;
  }
  if (broken()) {  // only this channel failed, on healthy connections: end it alone
    ssh_channel_close(up);
    ssh_channel_close(user);
    state_ = State::finished;
    return true;
  }
  bool progress = false;
  if (ssh_channel_is_closed(user)) {
    // The user hung up this channel; nothing more can reach them.
    ssh_channel_close(up);
    state_ = State::finished;
    return true;
  }
  if (up_.eof && !sent_upstream_eof_ && !ssh_channel_is_closed(up)) {
    ssh_channel_send_eof(up);
    sent_upstream_eof_ = true;
    progress = true;
  }
  // OpenSSH's client closes a channel as soon as it has seen EOF both ways, without waiting
  // for the exit status; so the user gets the exit status first, then EOF, then close.
  bool target_drained = down_.eof && down_stderr_.eof;
  bool exit_known = exit_status_ || exit_signal_ || ssh_channel_is_closed(up);
  if (target_drained && exit_known && !sent_user_eof_) {
    if (exit_status_) ssh_channel_request_send_exit_status(user, *exit_status_);
    if (exit_signal_) {
      ssh_channel_request_send_exit_signal(user, exit_signal_->name.c_str(), exit_signal_->core,
                                           exit_signal_->message.c_str(), "");
    }
    ssh_channel_send_eof(user);
    sent_user_eof_ = true;
    progress = true;
  }
  if (sent_user_eof_ && ssh_channel_is_closed(up)) {
    ssh_channel_close(user);
    state_ = State::finished;
    progress = true;
  }
  return progress;
}

void ChannelBridge::write_user_stderr(const std::string& text) {
  std::string line = text + (has_pty_ ? "\r\n" : "\n");
  int written = ssh_channel_write_stderr(user_.get(), line.data(), static_cast<uint32_t>(line.size()));
  if (written > 0) tap_.to_user(line.data(), static_cast<std::size_t>(written), true);
}

void ChannelBridge::refuse_start(ssh_message request, const std::string& sentence) {
  ssh_message_channel_request_reply_success(request);
  write_user_stderr(sentence);
  ssh_channel_request_send_exit_status(user_.get(), 1);
  ssh_channel_send_eof(user_.get());
  ssh_channel_close(user_.get());
  ssh_channel_close(upstream_.get());
  state_ = State::finished;
}

bool ChannelBridge::step_live() {
  LiveSession& live = *tap_.live();
  if (const auto& message = live.kill_message()) {
    // Ended by a reviewer (session kill): the reason in the terminal, and the target's side
    // closed too, so the person's client sees the channel end at once.
    std::string line = *message;
    abort(line);
    ssh_channel_close(upstream_.get());
    return true;
  }
  bool progress = false;
  for (const auto& notice : live.take_notices()) {
    // Only a terminal is told (never piped data); there it reads as its own line.
    if (has_pty_) write_user_stderr("\r\n" + notice);
    progress = true;
  }
  return progress;
}

bool ChannelBridge::warn(const std::string& message) {
  if (warned_ || state_ != State::open || !has_pty_) return false;
  warned_ = true;
  tap_.marker(message);
  write_user_stderr("\r\n" + message);
  return true;
}

void ChannelBridge::abort(const std::string& message) {
  if (state_ == State::opening) {
    ssh_message_reply_default(open_request_.get());
  } else if (state_ == State::open) {
    tap_.marker(message);
    write_user_stderr(message);
    ssh_channel_request_send_exit_status(user_.get(), 255);
    ssh_channel_close(user_.get());
  }
  state_ = State::finished;
}

bool ChannelBridge::awaited_by_user() const {
  return state_ == State::opening || (state_ == State::open && !user_closed_);
}

void ChannelBridge::hang_up() {
  if (state_ == State::open && !sent_upstream_eof_ && !ssh_channel_is_closed(upstream_.get())) {
    ssh_channel_request_send_signal(upstream_.get(), "HUP");
    ssh_channel_close(upstream_.get());
  }
  state_ = State::finished;
}

void ChannelBridge::on_user_close(ssh_session, ssh_channel, void* self) {
  static_cast<ChannelBridge*>(self)->user_closed_ = true;
}

void ChannelBridge::on_user_agent_request(ssh_session, ssh_channel, void* self) {
  auto& requests = static_cast<ChannelBridge*>(self)->requests_;
  if (requests.size() < max_waiting_requests) requests.emplace_back(AgentRequest{});
}

void ChannelBridge::on_user_signal(ssh_session, ssh_channel, const char* signal, void* self) {
  auto& requests = static_cast<ChannelBridge*>(self)->requests_;
  if (signal != nullptr && requests.size() < max_waiting_requests) requests.emplace_back(Signal{signal});
}

void ChannelBridge::on_exit_status(ssh_session, ssh_channel, int status, void* self) {
  auto* bridge = static_cast<ChannelBridge*>(self);
  bridge->exit_status_ = status;
  bridge->tap_.exit_status(status);
}

void ChannelBridge::on_exit_signal(ssh_session, ssh_channel, const char* signal, int core,
                                   const char* errmsg, const char*, void* self) {
  // The target's error message goes on to the user's client, which may print it: sanitised.
  auto* bridge = static_cast<ChannelBridge*>(self);
  bridge->exit_signal_ = ExitSignal{signal ? signal : "", policy::sanitize(errmsg ? errmsg : ""), core != 0};
  bridge->tap_.exit_signal(bridge->exit_signal_->name);
}

}  // namespace holdgate::proxy
