#include "channel_bridge.hpp"

#include <algorithm>
#include <cstring>

#include "announced_size.hpp"
#include "connection_failure.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::proxy {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Starting size of a stream's buffer: one full SSH packet. It grows only on streams that carry
// bulk data, to at most what libssh holds (one channel window) plus one batch.
constexpr std::size_t flow_buffer_size = 32 * 1024;

// While bytes keep arriving from the source leg, a stream gathers up to this much before it
// writes: libssh splits each write into packets of at most the receiver's maximum (32758 data
// bytes to OpenSSH), so passing on each 32768-byte packet from the target as it came cost two
// packets, the second of 10 bytes; in batches it costs one in eight more, not one in one.
constexpr std::size_t send_batch = 256 * 1024;
// The longest a batch waits for more bytes: keystrokes in one channel must not wait on a bulk
// transfer in another channel of the same connection.
constexpr auto max_gathering = std::chrono::milliseconds(1);

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
      progress |= pump(up_, arrivals.from_user, now);
      progress |= pump(down_, arrivals.from_target, now);
      progress |= pump(down_stderr_, arrivals.from_target, now);
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
  ssh_callbacks_init(&user_callbacks_);
  ssh_set_channel_callbacks(user_.get(), &user_callbacks_);
  upstream_callbacks_.userdata = this;
  upstream_callbacks_.channel_exit_status_function = &ChannelBridge::on_exit_status;
  upstream_callbacks_.channel_exit_signal_function = &ChannelBridge::on_exit_signal;
  ssh_callbacks_init(&upstream_callbacks_);
  ssh_set_channel_callbacks(upstream_.get(), &upstream_callbacks_);

  auto flow = [&](ssh_channel from, ssh_channel to, bool is_stderr) {
    Flow f;
    f.from = from;
    f.to = to;
    f.is_stderr = is_stderr;
    f.to_user = to == user_.get();
    f.buffer.resize(flow_buffer_size);
    return f;
  };
  up_ = flow(user_.get(), upstream_.get(), false);
  down_ = flow(upstream_.get(), user_.get(), false);
  down_stderr_ = flow(upstream_.get(), user_.get(), true);
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

bool ChannelBridge::pump(Flow& flow, bool source_active, SteadyClock::time_point now) {
  // Gathering pays only while more is on its way, and never for long.
  auto gathering = [&] {
    return source_active && !flow.source_done && flow.end - flow.begin < send_batch &&
           now - flow.gathering_since.value_or(now) < max_gathering;
  };
  bool progress = false;
  while (!flow.eof && !flow.failed) {
    std::size_t pending = flow.end - flow.begin;
    if (pending > 0 && !gathering()) {
      // Never more than the receiver's window: libssh would otherwise wait for it.
      std::size_t n = std::min<std::size_t>(pending, ssh_channel_window_size(flow.to));
      if (n == 0) break;
      const char* data = flow.buffer.data() + flow.begin;
      int written = flow.is_stderr ? ssh_channel_write_stderr(flow.to, data, n)
                                   : ssh_channel_write(flow.to, data, n);
      if (written < 0) {
        // The receiver's connection failed (the session tells the other leg), or just its
        // channel is gone: either way nothing more can be delivered.
        if (connection_failed(ssh_channel_get_session(flow.to))) {
          flow.failed = true;
        } else {
          flow.eof = true;
        }
        return true;
      }
      if (written == 0) break;  // e.g. the other leg is re-keying: keep the rest pending
      // Recorded as delivered: exactly what the user saw, exactly what the target was sent.
      if (flow.to_user) {
        tap_.to_user(data, static_cast<std::size_t>(written), flow.is_stderr);
      } else {
        tap_.from_user(data, static_cast<std::size_t>(written));
      }
      flow.begin += written;
      flow.relayed += static_cast<std::uint64_t>(written);
      if (flow.begin == flow.end) {
        flow.begin = flow.end = 0;
        flow.gathering_since.reset();
      }
      progress = true;
      continue;
    }
    if (flow.source_done) {
      flow.eof = pending == 0;
      break;
    }
    if (pending >= send_batch) break;  // a full batch waits for the receiver's window
    // Back-pressure: read no more while the receiving socket still has output queued.
    if (ssh_get_poll_flags(ssh_channel_get_session(flow.to)) & SSH_WRITE_PENDING) break;
    // SSH_EOF is the sender's EOF; SSH_ERROR means its connection failed first, and what was
    // sent may be cut short: that must not reach the other side as an EOF.
    int available = ssh_channel_poll(flow.from, flow.is_stderr);
    if (available == SSH_ERROR) {
      flow.failed = true;
      return true;
    }
    if (available == SSH_EOF) {
      flow.source_done = true;
      progress = true;
      continue;
    }
    if (available <= 0) break;
    // Take everything libssh holds in one read. Each read lets libssh re-open the sender's
    // window to its full size; reading in small pieces while the receiver is slower than the
    // sender would re-open it again and again and let libssh's buffer grow without bound.
    // Taken whole, libssh's buffer plus the open window stay under one window size, and ours
    // under that plus one batch.
    if (flow.begin > 0) {
      std::memmove(flow.buffer.data(), flow.buffer.data() + flow.begin, pending);
      flow.begin = 0;
      flow.end = pending;
    }
    if (flow.buffer.size() < flow.end + available) flow.buffer.resize(flow.end + available);
    int n = ssh_channel_read_nonblocking(flow.from, flow.buffer.data() + flow.end,
                                         static_cast<uint32_t>(available), flow.is_stderr);
    if (n == SSH_ERROR) {
      flow.failed = true;
      return true;
    }
    if (n == SSH_EOF) {
      flow.source_done = true;
      progress = true;
      continue;
    }
    if (n <= 0) break;
    flow.end += static_cast<std::size_t>(n);
    if (!flow.gathering_since) flow.gathering_since = now;
    progress = true;
  }
  // A batch held back for more: the caller must come back soon rather than sleep on it
  // (unless the receiver's window is shut: then only its adjust can move the batch).
  return progress || (flow.end > flow.begin && gathering() && ssh_channel_window_size(flow.to) > 0);
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
