#include "user_bind.hpp"

#include "keys.hpp"

namespace holdgate::proxy {
namespace {

// Modern algorithms only: no SHA-1, no CBC, no NIST curves; strict KEX is added by libssh.
constexpr const char* kex_algorithms =
    "curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512";
constexpr const char* ciphers =
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,"
    "aes256-ctr,aes192-ctr,aes128-ctr";
constexpr const char* macs = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com";
constexpr const char* hostkey_algorithms = "ssh-ed25519,rsa-sha2-512,rsa-sha2-256";
constexpr const char* pubkey_algorithms =
    "ssh-ed25519,sk-ssh-ed25519@openssh.com,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,"
    "ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com";

}  // namespace

std::optional<std::string> configure_user_bind(ssh_bind bind, const config::Config& config) {
  int off = 0;
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &off);
  for (const auto& path : host_key_paths(config)) {
    auto key = load_or_generate_key(path);
    if (auto* e = std::get_if<KeyError>(&key)) return e->message;
    // The bind takes ownership of an imported key.
    if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY,
                             std::get<KeyHandle>(key).release()) != SSH_OK) {
      return "cannot use host key " + path.string() + ": " + ssh_get_error(bind);
    }
  }
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_KEY_EXCHANGE, kex_algorithms);
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_CIPHERS_C_S, ciphers);
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_CIPHERS_S_C, ciphers);
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HMAC_C_S, macs);
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HMAC_S_C, macs);
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, hostkey_algorithms);
  ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, pubkey_algorithms);
  return std::nullopt;
}

}  // namespace holdgate::proxy
