#include "channel_flow.hpp"

#include <algorithm>
#include <cstring>

#include "connection_failure.hpp"

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

}  // namespace

ChannelFlow::ChannelFlow(ssh_channel from_channel, ssh_channel to_channel, bool stderr_stream,
                         bool towards_user)
    : from(from_channel), to(to_channel), is_stderr(stderr_stream), to_user(towards_user) {
  buffer.resize(flow_buffer_size);
}

bool pump_flow(ChannelFlow& flow, bool source_active, SteadyClock::time_point now, RecordingTap* tap) {
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
      if (tap != nullptr && flow.to_user) {
        tap->to_user(data, static_cast<std::size_t>(written), flow.is_stderr);
      } else if (tap != nullptr) {
        tap->from_user(data, static_cast<std::size_t>(written));
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

}  // namespace holdgate::proxy
