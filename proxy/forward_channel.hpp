// One forwarded channel relayed end to end (issue 18): a direct-tcpip channel the user opened
// (ssh -L/-D/-W) carried on as a direct-tcpip channel to the target, or a forwarded-tcpip
// (ssh -R) or auth-agent (ssh -A) channel the target opened carried on to the user. Raw bytes
// both ways through the same bounded flows as session channels; EOF passes on as EOF, and a
// failure on either leg closes the other without one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "channel_bridge.hpp"
#include "channel_flow.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {

class ForwardChannel {
 public:
  enum class Kind { local, remote, agent };
  // Opens the far leg's channel (created on the far session); libssh's open calls are
  // resumable: called again until it returns something other than SSH_AGAIN.
  using Opener = std::function<int(ssh_channel)>;

  // `open_request`: the still-unanswered channel-open request on the near session (the user's
  // for `local`, the target's otherwise), answered once the far leg is open (or refused, which
  // the client reports as "administratively prohibited").
  ForwardChannel(Kind kind, std::string destination, MessageHandle open_request,
                 ssh_session far_session, Opener open_far);
  ~ForwardChannel();
  ForwardChannel(const ForwardChannel&) = delete;
  ForwardChannel& operator=(const ForwardChannel&) = delete;

  // Does what can be done now; true when anything moved.
  bool step(ChannelBridge::Arrivals arrivals, std::chrono::steady_clock::time_point now);

  // One connection failed (or access ended): close this channel's legs without an EOF.
  void cut(std::string why);

  Kind kind() const { return kind_; }
  const char* kind_name() const;
  const std::string& destination() const { return destination_; }
  bool opened() const { return opened_; }  // both legs were open at some point
  bool finished() const { return state_ == State::finished; }
  // Why it ended: "closed" (EOF both ways or a leg closed), "refused" (the far side would not
  // open), or the failure.
  const std::string& outcome() const { return outcome_; }
  std::uint64_t bytes_from_user() const;
  std::uint64_t bytes_to_user() const;
  std::chrono::steady_clock::duration age() const { return std::chrono::steady_clock::now() - started_; }

 private:
  enum class State { opening, open, finished };
  bool step_opening();
  bool step_close();
  void finish(std::string outcome);

  Kind kind_;
  std::string destination_;
  MessageHandle open_request_;
  ChannelHandle near_, far_;
  Opener open_far_;
  State state_ = State::opening;
  bool opened_ = false;
  // near_to_far_ carries what the near side sent; which of them is the user's depends on kind.
  ChannelFlow near_to_far_, far_to_near_;
  bool sent_far_eof_ = false, sent_near_eof_ = false;
  std::string outcome_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace holdgate::proxy
