#include "forward_channel.hpp"

#include "connection_failure.hpp"

namespace holdgate::proxy {

ForwardChannel::ForwardChannel(Kind kind, std::string destination, MessageHandle open_request,
                               ssh_session far_session, Opener open_far)
    : kind_(kind),
      destination_(std::move(destination)),
      open_request_(std::move(open_request)),
      far_(ssh_channel_new(far_session)),
      open_far_(std::move(open_far)) {}

ForwardChannel::~ForwardChannel() = default;

const char* ForwardChannel::kind_name() const {
  switch (kind_) {
    case Kind::local: return "local";
    case Kind::remote: return "remote";
    case Kind::agent: return "agent";
  }
  return "?";
}

std::uint64_t ForwardChannel::bytes_from_user() const {
  return kind_ == Kind::local ? near_to_far_.relayed : far_to_near_.relayed;
}

std::uint64_t ForwardChannel::bytes_to_user() const {
  return kind_ == Kind::local ? far_to_near_.relayed : near_to_far_.relayed;
}

bool ForwardChannel::step(ChannelBridge::Arrivals arrivals, std::chrono::steady_clock::time_point now) {
  switch (state_) {
    case State::opening:
      return step_opening();
    case State::open: {
      // Which socket delivered bytes, seen from this channel's two legs.
      bool near_active = kind_ == Kind::local ? arrivals.from_user : arrivals.from_target;
      bool far_active = kind_ == Kind::local ? arrivals.from_target : arrivals.from_user;
      bool progress = pump_flow(near_to_far_, near_active, now, nullptr);
      progress |= pump_flow(far_to_near_, far_active, now, nullptr);
      progress |= step_close();
      return progress;
    }
    case State::finished:
      return false;
  }
  return false;
}

bool ForwardChannel::step_opening() {
  int rc = far_ ? open_far_(far_.get()) : SSH_ERROR;
  if (rc == SSH_AGAIN) return false;
  if (rc != SSH_OK) {
    ssh_message_reply_default(open_request_.get());  // SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
    open_request_.reset();
    finish("refused");
    return true;
  }
  near_.reset(ssh_message_channel_request_open_reply_accept(open_request_.get()));
  open_request_.reset();
  if (!near_) {
    ssh_channel_close(far_.get());
    finish("failed: the channel could not be accepted");
    return true;
  }
  bool near_is_user = kind_ == Kind::local;
  near_to_far_ = ChannelFlow(near_.get(), far_.get(), false, !near_is_user);
  far_to_near_ = ChannelFlow(far_.get(), near_.get(), false, near_is_user);
  opened_ = true;
  state_ = State::open;
  return true;
}

bool ForwardChannel::step_close() {
  ssh_channel near = near_.get(), far = far_.get();
  // A failed connection is the session's to tell: it cuts every forward.
  if (connection_failed(ssh_channel_get_session(near)) || connection_failed(ssh_channel_get_session(far))) {
    return false;
  }
  if (near_to_far_.failed || far_to_near_.failed) {
    // Only this channel broke: no EOF, so a truncated stream never looks complete.
    ssh_channel_close(far);
    ssh_channel_close(near);
    finish("failed: a leg of the channel broke");
    return true;
  }
  bool progress = false;
  if (near_to_far_.eof && !sent_far_eof_ && !ssh_channel_is_closed(far)) {
    ssh_channel_send_eof(far);
    sent_far_eof_ = true;
    progress = true;
  }
  if (far_to_near_.eof && !sent_near_eof_ && !ssh_channel_is_closed(near)) {
    ssh_channel_send_eof(near);
    sent_near_eof_ = true;
    progress = true;
  }
  // A leg that closed ends the channel once what it sent has been passed on.
  bool near_done = ssh_channel_is_closed(near) && (near_to_far_.eof || ssh_channel_is_closed(far));
  bool far_done = ssh_channel_is_closed(far) && (far_to_near_.eof || ssh_channel_is_closed(near));
  if (near_done || far_done || (sent_far_eof_ && sent_near_eof_)) {
    if (!sent_far_eof_ && !near_to_far_.eof && !ssh_channel_is_closed(far)) {
      // The near side closed without an EOF: its stream was cut short.
      outcome_ = "failed: closed without EOF";
    }
    if (!ssh_channel_is_closed(far)) ssh_channel_close(far);
    if (!ssh_channel_is_closed(near)) ssh_channel_close(near);
    finish(outcome_.empty() ? "closed" : outcome_);
    return true;
  }
  return progress;
}

void ForwardChannel::cut(std::string why) {
  if (state_ == State::opening && open_request_) {
    ssh_message_reply_default(open_request_.get());
    open_request_.reset();
  }
  if (state_ == State::open) {
    if (!connection_failed(ssh_channel_get_session(near_.get())) && !ssh_channel_is_closed(near_.get())) {
      ssh_channel_close(near_.get());
    }
    if (!connection_failed(ssh_channel_get_session(far_.get())) && !ssh_channel_is_closed(far_.get())) {
      ssh_channel_close(far_.get());
    }
  }
  if (state_ != State::finished) finish(std::move(why));
}

void ForwardChannel::finish(std::string outcome) {
  outcome_ = std::move(outcome);
  state_ = State::finished;
}

}  // namespace holdgate::proxy
