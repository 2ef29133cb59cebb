// Host keys and the upstream identity: loaded from disk, or generated (0600) on first use.
#pragma once

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {

struct KeyError {
  std::string message;
};

// Loads the private key at `path`; when the file does not exist, generates an ed25519 key there
// (private half 0600, public half beside it as PATH.pub). An existing key that group or others
// may read is refused, as sshd does (policy/file_modes.hpp).
std::variant<KeyHandle, KeyError> load_or_generate_key(const std::filesystem::path& path);

// Creates state_dir (0700) when missing; refuses an existing one group or others may access.
std::variant<std::monostate, KeyError> ensure_state_dir(const std::filesystem::path& state_dir);

// The paths holdgate uses for its host keys: the configured ones, or one generated ed25519 key.
std::vector<std::filesystem::path> host_key_paths(const config::Config& config);

// "ssh-ed25519 AAAA... comment"
std::string public_key_line(ssh_key key, const std::string& comment = "");

// "SHA256:..." as OpenSSH prints it.
std::string fingerprint(ssh_key key);

// The key's base64 blob, as it appears in an authorized_keys line.
std::string public_key_blob(ssh_key key);

}  // namespace holdgate::proxy
