// ProxyJump mode (`ssh -J bastion root@db-1`): the outer connection asks for a direct-tcpip
// channel to a target's SSH port. holdgate does not forward it as raw TCP: the channel carries
// an inner SSH connection that holdgate answers itself, as an ordinary Session, so the inner
// login is seen, authenticated and decided like any other. JumpPipe copies bytes between that
// channel and one end of a socketpair whose other end the inner Session owns.
#pragma once

#include <memory>
#include <vector>

#include "runtime/net.hpp"
#include "ssh_handles.hpp"
#include "ssh_waiter.hpp"

namespace holdgate::proxy {

class JumpPipe {
 public:
  using Socket = asio::local::stream_protocol::socket;

  JumpPipe(ChannelHandle channel, Socket socket, SshWaiter& waiter);
  ~JumpPipe();
  JumpPipe(const JumpPipe&) = delete;
  JumpPipe& operator=(const JumpPipe&) = delete;

  // Moves what can move now; true when anything did.
  bool step();
  bool finished() const { return finished_; }

 private:
  // A bounded stretch of bytes read from one side and not yet taken by the other.
  struct Pending {
    std::vector<char> bytes;
    std::size_t begin = 0, end = 0;
    bool empty() const { return begin == end; }
  };

  bool channel_to_socket();
  bool socket_to_channel();
  void arm();  // wake the session when the socket can be read (or written, while bytes wait)

  ChannelHandle channel_;
  Socket socket_;
  SshWaiter& waiter_;
  Pending to_socket_, to_channel_;
  bool channel_eof_ = false, socket_eof_ = false, sent_channel_eof_ = false;
  bool finished_ = false;
  struct Armed {
    bool read = false, write = false, alive = true;
  };
  std::shared_ptr<Armed> armed_ = std::make_shared<Armed>();  // shared with pending handlers
};

}  // namespace holdgate::proxy
