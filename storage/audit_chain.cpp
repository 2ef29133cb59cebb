#include "storage/audit_chain.hpp"

#include <openssl/evp.h>

#include <chrono>
#include <new>
#include <stdexcept>

namespace holdgate::storage {

namespace {

void append_field(std::string& out, std::string_view bytes) {
  const std::uint64_t size = bytes.size();
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out.append(bytes);
}

EVP_MD_CTX* context(void* ctx) { return static_cast<EVP_MD_CTX*>(ctx); }

}  // namespace

void Sha256::Free::operator()(void* ctx) const { EVP_MD_CTX_free(context(ctx)); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  if (EVP_DigestInit_ex(context(ctx_.get()), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  }
}

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(context(ctx_.get()), bytes.data(), bytes.size()) != 1) {
    throw std::runtime_error("SHA-256 update failed");
  }
}

Digest Sha256::finish() {
  Digest digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context(ctx_.get()), digest.data(), &size) != 1 || size != digest.size()) {
    throw std::runtime_error("SHA-256 final failed");
  }
  return digest;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 0x0f]);
  }
  return hex;
}

std::string to_hex(const Digest& digest) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

bool from_hex(std::string_view hex, Digest& out) {
  if (hex.size() != out.size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    int high = nibble(hex[2 * i]), low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return true;
}

const std::string& genesis_hash() {
  static const std::string zeros(64, '0');
  return zeros;
}

std::string canonical_audit_bytes(const AuditEvent& event) {
  // Stored times are whole milliseconds (storage/sqlite_rows.cpp to_millis rounds down the same way).
  const auto millis =
      std::chrono::floor<std::chrono::milliseconds>(event.at.time_since_epoch()).count();
  std::string out;
  out.reserve(7 * 8 + 40 + event.kind.size() + event.actor.size() + event.source.size() +
              event.subject.size() + event.details.size());
  append_field(out, std::to_string(event.id));
  append_field(out, std::to_string(millis));
  append_field(out, event.kind);
  append_field(out, event.actor);
  append_field(out, event.source);
  append_field(out, event.subject);
  append_field(out, event.details);
  return out;
}

std::string chain_hash(std::string_view prev_hash_hex, const AuditEvent& event) {
  Digest prev{};
  if (!from_hex(prev_hash_hex, prev)) {
    throw std::invalid_argument("chain_hash: the previous hash is not 64 hex digits");
  }
  Sha256 sha;
  sha.update(std::string_view(reinterpret_cast<const char*>(prev.data()), prev.size()));
  sha.update(canonical_audit_bytes(event));
  return to_hex(sha.finish());
}

}  // namespace holdgate::storage
