// One direction of one channel's stream, relayed from a channel on one SSH connection to a
// channel on another within both windows, through one bounded buffer: the pumping piece that
// session channels (ChannelBridge) and forwarded channels (ForwardChannel) share.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "recording_tap.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {

struct ChannelFlow {
  ssh_channel from = nullptr;
  ssh_channel to = nullptr;
  bool is_stderr = false;
  bool to_user = false;  // which way it goes, for the recording tap
  std::vector<char> buffer;
  std::size_t begin = 0, end = 0;
  bool source_done = false;  // the source sent EOF: what is buffered is all
  bool failed = false;       // a leg failed before this stream's end: it stops here
  bool eof = false;          // nothing more will be delivered: source done and buffer sent
  // When the oldest byte still buffered was read: a batch waits only so long for more.
  std::optional<std::chrono::steady_clock::time_point> gathering_since;
  std::uint64_t relayed = 0;  // bytes delivered

  ChannelFlow() = default;
  ChannelFlow(ssh_channel from, ssh_channel to, bool is_stderr, bool to_user);
};

// Moves what can be moved now without blocking; true when anything moved, or when the flow
// holds a batch back (so the caller runs another pass rather than sleep on it). Delivered bytes
// go to `tap` when there is one. `source_active`: the source's socket delivered bytes since the
// previous pass (more is on its way, so batching pays).
bool pump_flow(ChannelFlow& flow, bool source_active, std::chrono::steady_clock::time_point now,
               RecordingTap* tap);

}  // namespace holdgate::proxy
