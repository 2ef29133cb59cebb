// Whether one leg of a session (the user's connection or the target's) has failed.
//
// libssh puts a session in its error state on a MAC or decryption failure, a protocol error, a
// reset or a vanished peer, often with the socket still open, so ssh_is_connected() alone misses
// most of them; a channel read then reports SSH_ERROR, which must never be taken for an EOF.
#pragma once

#include <optional>
#include <string>

#include <libssh/libssh.h>

namespace holdgate::proxy {

// Cheap enough for every pump pass.
bool connection_failed(ssh_session session);

// Why `session` can carry nothing more (libssh's own words, sanitised and bounded, as they may
// quote the peer's disconnect text), or nothing while it is healthy.
std::optional<std::string> connection_failure(ssh_session session);

}  // namespace holdgate::proxy
