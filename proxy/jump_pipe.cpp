#include "jump_pipe.hpp"

#include <algorithm>

namespace holdgate::proxy {
namespace {

constexpr std::size_t socket_read_size = 32 * 1024;
// A pipe whose reads fill the buffer carries bulk data: it reads up to this much at once, so
// each write to the channel makes whole packets (the client takes 32758 bytes a packet; the
// inner session writes 32804-byte ones, and one write per read cost two packets each).
constexpr std::size_t bulk_read_size = 256 * 1024;

}  // namespace

JumpPipe::JumpPipe(ChannelHandle channel, Socket socket, SshWaiter& waiter)
    : channel_(std::move(channel)), socket_(std::move(socket)), waiter_(waiter) {
  socket_.non_blocking(true);
  to_channel_.bytes.resize(socket_read_size);
  arm();
}

JumpPipe::~JumpPipe() {
  armed_->alive = false;  // handlers still pending must not wake a session that may be gone
  error_code ignored;
  socket_.close(ignored);
}

bool JumpPipe::step() {
  if (finished_) return false;
  if (ssh_channel_is_closed(channel_.get())) {
    // The client hung up the channel: the inner session sees its socket close and ends.
    error_code ignored;
    socket_.close(ignored);
    finished_ = true;
    return true;
  }
  bool progress = channel_to_socket();
  progress |= socket_to_channel();
  if (socket_eof_ && to_channel_.empty() && !sent_channel_eof_) {
    ssh_channel_send_eof(channel_.get());
    ssh_channel_close(channel_.get());
    sent_channel_eof_ = true;
    finished_ = true;
    progress = true;
  }
  arm();
  return progress;
}

bool JumpPipe::channel_to_socket() {
  bool progress = false;
  while (!channel_eof_ || !to_socket_.empty()) {
    if (to_socket_.empty()) {
      int available = ssh_channel_poll(channel_.get(), 0);
      if (available == SSH_EOF || available == SSH_ERROR) {
        channel_eof_ = true;
        error_code ignored;
        socket_.shutdown(Socket::shutdown_send, ignored);  // the inner session reads EOF
        return true;
      }
      if (available <= 0) break;
      // Taken whole, as in ChannelBridge: this keeps libssh's window growth bounded.
      if (to_socket_.bytes.size() < static_cast<std::size_t>(available)) to_socket_.bytes.resize(available);
      int n = ssh_channel_read_nonblocking(channel_.get(), to_socket_.bytes.data(),
                                           static_cast<uint32_t>(available), 0);
      if (n <= 0) break;
      to_socket_.begin = 0;
      to_socket_.end = static_cast<std::size_t>(n);
      progress = true;
    }
    error_code ec;
    std::size_t written = socket_.write_some(
        asio::buffer(to_socket_.bytes.data() + to_socket_.begin, to_socket_.end - to_socket_.begin), ec);
    if (ec == asio::error::would_block) break;
    if (ec) {  // the inner session is gone
      channel_eof_ = true;
      to_socket_ = {};
      socket_eof_ = true;
      return true;
    }
    to_socket_.begin += written;
    progress = true;
  }
  return progress;
}

bool JumpPipe::socket_to_channel() {
  bool progress = false;
  while (true) {
    if (to_channel_.empty()) {
      if (socket_eof_) break;
      error_code ec;
      std::size_t n = socket_.read_some(asio::buffer(to_channel_.bytes), ec);
      if (ec == asio::error::would_block) break;
      if (ec) {  // EOF or error: the inner session ended
        socket_eof_ = true;
        return true;
      }
      to_channel_.begin = 0;
      to_channel_.end = n;
      if (n == to_channel_.bytes.size() && n < bulk_read_size) to_channel_.bytes.resize(bulk_read_size);
      progress = true;
    }
    std::size_t n = std::min<std::size_t>(to_channel_.end - to_channel_.begin,
                                          ssh_channel_window_size(channel_.get()));
    if (n == 0) break;
    if (ssh_get_poll_flags(ssh_channel_get_session(channel_.get())) & SSH_WRITE_PENDING) break;
    int written = ssh_channel_write(channel_.get(), to_channel_.bytes.data() + to_channel_.begin, n);
    if (written < 0) {
      socket_eof_ = true;
      to_channel_ = {};
      return true;
    }
    if (written == 0) break;
    to_channel_.begin += static_cast<std::size_t>(written);
    progress = true;
  }
  return progress;
}

void JumpPipe::arm() {
  if (!socket_.is_open()) return;
  auto armed = armed_;
  SshWaiter* waiter = &waiter_;
  if (!armed->read && !socket_eof_ && to_channel_.empty()) {
    armed->read = true;
    socket_.async_wait(Socket::wait_read, [armed, waiter](error_code) {
      armed->read = false;
      if (armed->alive) waiter->notify();
    });
  }
  if (!armed->write && !to_socket_.empty()) {
    armed->write = true;
    socket_.async_wait(Socket::wait_write, [armed, waiter](error_code) {
      armed->write = false;
      if (armed->alive) waiter->notify();
    });
  }
}

}  // namespace holdgate::proxy
