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

// ssh_disconnect() sends a goodbye before freeing, so a peer sees a clean close.
inline void disconnect_and_free(ssh_session s) noexcept {
  ssh_disconnect(s);
  ssh_free(s);
}

// For a session handed its descriptor with SSH_OPTIONS_FD: libssh leaves that descriptor open
// when it disconnects (it closes it itself only after a socket error, and then forgets it), so
// close it here unless libssh already did.
inline void disconnect_free_and_close(ssh_session s) noexcept {
  socket_t fd = ssh_get_fd(s);
  ssh_disconnect(s);
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
