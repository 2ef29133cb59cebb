// The Ed25519 key holdgate signs audit checkpoints with (OpenSSL EVP_PKEY_ED25519), kept in
// state_dir as PKCS#8 PEM, mode 0600, generated on first use. RAII over EVP_PKEY.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace holdgate::audit {

class SigningKey {
 public:
  // Loads the key at `path`, or generates one there (0600) when the file does not exist. A key
  // group or others may read is refused, as sshd refuses a host key (policy/file_modes.hpp).
  static std::variant<SigningKey, std::string> load_or_generate(const std::filesystem::path& path);
  // Loads an existing key only (audit verify must not create the key it checks against).
  static std::variant<SigningKey, std::string> load(const std::filesystem::path& path);

  // The 64-byte Ed25519 signature of `message`.
  std::string sign(std::string_view message) const;
  // Whether `signature` is this key's signature of `message`.
  bool verify(std::string_view message, std::string_view signature) const;
  // The 32-byte raw public key.
  std::string public_key() const;

 private:
  struct Free {
    void operator()(void* key) const;
  };
  explicit SigningKey(void* key) : key_(key) {}
  std::unique_ptr<void, Free> key_;
};

// Where the checkpoint key lives.
std::filesystem::path signing_key_path(const std::filesystem::path& state_dir);

}  // namespace holdgate::audit
