// Owning handles for libssh objects, so no code path frees one by hand or forgets to.
#pragma once

#include <memory>
#include <string>

#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

namespace holdgate::proxy {

template <auto Free>
struct SshDeleter {
  template <class T>
  void operator()(T* p) const noexcept { Free(p); }
};

// ssh_disconnect() queues a goodbye (with the reason set by ssh_session_set_disconnect_message)
// before freeing, so a peer sees why the connection ended. A non-blocking libssh writes a packet
// at once only if a poll has seen the socket writable since its last write, and drops what is
// still queued when it resets the socket: one poll that never waits (timeout 0) first lets the
// goodbye go out.
inline void say_goodbye(ssh_session s) noexcept {
  if (ssh_is_connected(s) && ssh_get_fd(s) != SSH_INVALID_SOCKET) {
    if (ssh_event poll = ssh_event_new()) {
      if (ssh_event_add_session(poll, s) == SSH_OK) {
        ssh_event_dopoll(poll, 0);
        ssh_event_remove_session(poll, s);
      }
      ssh_event_free(poll);
    }
  }
  ssh_disconnect(s);
}

inline void disconnect_and_free(ssh_session s) noexcept {
  say_goodbye(s);
  ssh_free(s);
}

// For a session handed its descriptor with SSH_OPTIONS_FD: libssh leaves that descriptor open
// when it disconnects (it closes it itself only after a socket error, and then forgets it), so
// close it here unless libssh already did.
inline void disconnect_free_and_close(ssh_session s) noexcept {
  socket_t fd = ssh_get_fd(s);
  say_goodbye(s);
  ssh_free(s);
  if (fd != SSH_INVALID_SOCKET) ::close(fd);
}

inline void free_char(char* s) noexcept { ssh_string_free_char(s); }

using SessionHandle = std::unique_ptr<ssh_session_struct, SshDeleter<&disconnect_and_free>>;
using UpstreamHandle = std::unique_ptr<ssh_session_struct, SshDeleter<&disconnect_free_and_close>>;
using ChannelHandle = std::unique_ptr<ssh_channel_struct, SshDeleter<&ssh_channel_free>>;
using KeyHandle = std::unique_ptr<ssh_key_struct, SshDeleter<&ssh_key_free>>;
using BindHandle = std::unique_ptr<ssh_bind_struct, SshDeleter<&ssh_bind_free>>;
using EventHandle = std::unique_ptr<ssh_event_struct, SshDeleter<&ssh_event_free>>;
using MessageHandle = std::unique_ptr<ssh_message_struct, SshDeleter<&ssh_message_free>>;
using CharHandle = std::unique_ptr<char, SshDeleter<&free_char>>;

// A libssh-allocated C string as std::string ("" for null).
inline std::string take_string(char* s) {
  CharHandle owned(s);
  return owned ? std::string(owned.get()) : std::string();
}

}  // namespace holdgate::proxy
