// Where a client's terminal size enters holdgate: the pty-req or window-change request's
// columns and rows, bounded (policy/terminal_size.hpp) before anything is sized from them or
// they reach a target.
#pragma once

#include <libssh/server.h>

#include <cstdint>

#include "policy/terminal_size.hpp"

namespace holdgate::proxy {

inline policy::TerminalSize announced_size(ssh_message request) {
  // libssh hands the wire's uint32 over as int: cast back, so a "negative" size is a huge one.
  return policy::clamp_terminal_size(
      static_cast<std::uint32_t>(ssh_message_channel_request_pty_width(request)),
      static_cast<std::uint32_t>(ssh_message_channel_request_pty_height(request)));
}

}  // namespace holdgate::proxy
