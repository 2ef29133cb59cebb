// Whether holdgate may trust a file or directory with its secrets, given its permission bits:
// pure rules, as sshd applies them, so they can be table-tested without touching the disk.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace holdgate::policy {

// A private key (host key, upstream identity) that its owner's group or others may read is
// refused, like sshd's "Permissions 0644 for 'FILE' are too open". As in OpenSSH, only a key
// owned by the user holdgate runs as is checked (root may read another user's 0640 key).
// Returns the one-sentence refusal, or nullopt when the key may be used.
std::optional<std::string> private_key_mode_problem(std::string_view path, unsigned mode,
                                                    bool owned_by_us);

// state_dir holds the generated host key and the request database: group or others may not
// read, write or enter it (holdgate creates it 0700).
std::optional<std::string> state_dir_mode_problem(std::string_view path, unsigned mode);

}  // namespace holdgate::policy
