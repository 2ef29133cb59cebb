#include "audit/signing_key.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "policy/file_modes.hpp"

namespace holdgate::audit {

namespace {

EVP_PKEY* pkey(void* key) { return static_cast<EVP_PKEY*>(key); }

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

std::variant<std::string, std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                         "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return std::variant<std::string, std::string>(std::in_place_index<0>, text.str());
}

}  // namespace

void SigningKey::Free::operator()(void* key) const { EVP_PKEY_free(pkey(key)); }

std::filesystem::path signing_key_path(const std::filesystem::path& state_dir) {
  return state_dir / "audit_checkpoint_ed25519.pem";
}

std::variant<SigningKey, std::string> SigningKey::load(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return "the audit checkpoint key " + path.string() + " cannot be read: " + std::strerror(errno);
  }
  if (auto problem = policy::private_key_mode_problem(path.string(), st.st_mode & 07777,
                                                      st.st_uid == ::geteuid())) {
    return *problem;
  }
  auto text = read_file(path);
  if (text.index() == 1) return std::get<1>(text);
  const std::string& pem = std::get<0>(text);
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key) return "the audit checkpoint key " + path.string() + " is not a PEM private key";
  SigningKey loaded(key);
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    return "the audit checkpoint key " + path.string() + " is not an Ed25519 key";
  }
  return loaded;
}

std::variant<SigningKey, std::string> SigningKey::load_or_generate(
    const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return load(path);

  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* generated = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &generated) != 1) {
    return std::string("generating the audit checkpoint key failed (OpenSSL)");
  }
  SigningKey key(generated);
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), generated, nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return std::string("encoding the audit checkpoint key failed (OpenSSL)");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  // Written to a temporary file, synced, then linked into place: the key file exists whole or
  // not at all (a kill -9 between creating and writing it left an empty file that every later
  // start refused). link() never replaces: two holdgates starting at once must not overwrite
  // each other's key; the loser reads the winner's.
  std::string temporary = path.string() + ".new-XXXXXX";
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) {
    return "cannot create the audit checkpoint key " + path.string() + ": " + std::strerror(errno);
  }
  const bool written = ::write(fd, data, static_cast<std::size_t>(size)) == size && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return "cannot write the audit checkpoint key " + path.string();
  }
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int link_error = errno;
  ::unlink(temporary.c_str());
  if (linked != 0) {
    if (link_error == EEXIST) return load(path);
    return "cannot create the audit checkpoint key " + path.string() + ": " + std::strerror(link_error);
  }
  const int dir = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {  // the new name itself survives a crash
    ::fsync(dir);
    ::close(dir);
  }
  return key;
}

std::string SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  std::size_t size = signature.size();
  // Ed25519 signs the message itself (no separate digest): one-shot EVP_DigestSign.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey(key_.get())) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw std::runtime_error("signing an audit checkpoint failed (OpenSSL)");
  }
  signature.resize(size);
  return signature;
}

bool SigningKey::verify(std::string_view message, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey(key_.get())) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string SigningKey::public_key() const {
  std::string raw(32, '\0');
  std::size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey(key_.get()), reinterpret_cast<unsigned char*>(raw.data()),
                                  &size) != 1) {
    throw std::runtime_error("reading the audit checkpoint public key failed (OpenSSL)");
  }
  raw.resize(size);
  return raw;
}

}  // namespace holdgate::audit
