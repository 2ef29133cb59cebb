// The one place Asio is included. gcc 12 with Boost 1.74's coroutine support needs <utility>
// before any Asio header ("'exchange' is not a member of 'std'").
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace holdgate {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// Any stream socket (TCP from the listener and to targets, a socketpair end in ProxyJump mode):
// what the libssh bridge waits on.
using StreamSocket = asio::generic::stream_protocol::socket;

template <class Protocol, class Executor>
StreamSocket as_stream_socket(asio::basic_stream_socket<Protocol, Executor>&& socket) {
  auto protocol = socket.local_endpoint().protocol();
  auto executor = socket.get_executor();
  return StreamSocket(executor, asio::generic::stream_protocol(protocol.family(), protocol.protocol()),
                      socket.release());
}

}  // namespace holdgate
