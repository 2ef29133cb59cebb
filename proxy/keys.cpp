#include "keys.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "policy/file_modes.hpp"

namespace holdgate::proxy {
namespace {

// Writes a new file that never exists with wider permissions than `mode`, not even briefly, and
// never exists half-written either: the text goes to a temporary file first, which is linked
// into place once complete and synced. A key file cut short (a full disk, a kill -9 between
// open and write) would otherwise stay behind and refuse every later start ("cannot load").
// An existing file is never replaced: EEXIST says another holdgate got there first.
bool write_new_file(const std::filesystem::path& path, const std::string& text, mode_t mode,
                    std::string& error, bool& existed) {
  existed = false;
  std::string temporary = path.string() + ".new-XXXXXX";
  int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  bool ok = ::fchmod(fd, mode) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (!ok) error = std::strerror(errno);
  ::close(fd);
  if (ok && ::link(temporary.c_str(), path.c_str()) != 0) {
    ok = false;
    existed = errno == EEXIST;
    error = std::strerror(errno);
  }
  ::unlink(temporary.c_str());
  if (ok) {  // the new name itself survives a crash
    int dir = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  return ok;
}

}  // namespace

std::variant<std::monostate, KeyError> ensure_state_dir(const std::filesystem::path& state_dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(state_dir, ec)) {
    struct stat st {};
    if (::stat(state_dir.c_str(), &st) != 0) {
      return KeyError{"cannot read state_dir " + state_dir.string() + ": " + std::strerror(errno)};
    }
    if (auto problem = policy::state_dir_mode_problem(state_dir.string(), st.st_mode)) {
      return KeyError{*problem};
    }
    return std::monostate{};
  }
  std::filesystem::create_directories(state_dir.parent_path(), ec);
  if (::mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return KeyError{"cannot create state_dir " + state_dir.string() + ": " + std::strerror(errno)};
  }
  return std::monostate{};
}

std::vector<std::filesystem::path> host_key_paths(const config::Config& config) {
  if (!config.host_keys.empty()) return config.host_keys;
  return {config.state_dir / "ssh_host_ed25519_key"};
}

std::variant<KeyHandle, KeyError> load_or_generate_key(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return KeyError{"cannot read private key " + path.string() + ": " + std::strerror(errno)};
    }
    if (auto problem = policy::private_key_mode_problem(path.string(), st.st_mode,
                                                        st.st_uid == ::geteuid())) {
      return KeyError{*problem};
    }
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
      return KeyError{"cannot load private key " + path.string()};
    }
    return KeyHandle(raw);
  }
  ssh_key raw = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK) {
    return KeyError{"cannot generate an ed25519 key"};
  }
  KeyHandle key(raw);
  char* b64 = nullptr;
  if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &b64) != SSH_OK) {
    return KeyError{"cannot encode the generated key for " + path.string()};
  }
  std::string private_text = take_string(b64);
  std::string error;
  bool existed = false;
  if (!write_new_file(path, private_text, 0600, error, existed)) {
    // Another holdgate on this state_dir wrote its key first (whole: see write_new_file).
    if (existed) return load_or_generate_key(path);
    return KeyError{"cannot write " + path.string() + ": " + error};
  }
  auto public_path = path;
  public_path += ".pub";
  std::filesystem::remove(public_path, ec);
  write_new_file(public_path, public_key_line(key.get(), "holdgate") + "\n", 0644, error, existed);
  return key;
}

std::string public_key_blob(ssh_key key) {
  char* b64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) return {};
  return take_string(b64);
}

std::string public_key_line(ssh_key key, const std::string& comment) {
  std::string line = ssh_key_type_to_char(ssh_key_type(key));
  line += ' ';
  line += public_key_blob(key);
  if (!comment.empty()) line += ' ' + comment;
  return line;
}

std::string fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) return "?";
  std::string text = take_string(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length));
  ssh_clean_pubkey_hash(&hash);
  return text;
}

}  // namespace holdgate::proxy
