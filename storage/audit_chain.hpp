// The audit trail's hash chain: every event's hash covers the one before it, so editing,
// deleting or reordering a stored row breaks the chain from that row on. Pure (no database);
// the store computes `hash` when it appends, `holdgate audit verify` recomputes it.
//
// The definition, so that an outside tool can re-check a trail (README "Audit trail"):
//   canonical(event) = field(id) field(at) field(kind) field(actor) field(source)
//                      field(subject) field(details)
//   field(x)         = 8-byte big-endian length of x, then the bytes of x
//   id, at           = decimal ASCII, `at` in milliseconds since the Unix epoch (as stored)
//   hash             = SHA-256(prev_hash || canonical(event)), prev_hash as 32 raw bytes,
//                      32 zero bytes for the first event
// Both hashes are stored as 64 lowercase hex digits (columns prev_hash and hash).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "storage/records.hpp"

namespace holdgate::storage {

using Digest = std::array<unsigned char, 32>;

// An incremental SHA-256 over OpenSSL's EVP interface; the context is freed with the object.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  Digest finish();  // once

 private:
  struct Free {
    void operator()(void* ctx) const;
  };
  std::unique_ptr<void, Free> ctx_;
};

std::string to_hex(const Digest& digest);
std::string to_hex(std::string_view bytes);
// 64 hex digits (either case) as a digest; false otherwise.
bool from_hex(std::string_view hex, Digest& out);

// The hash before the first event: 64 zeros.
const std::string& genesis_hash();

// The bytes hashed for `event` (its id included), as defined above.
std::string canonical_audit_bytes(const AuditEvent& event);

// hex(SHA-256(prev || canonical(event))); `prev_hash_hex` must be 64 hex digits.
std::string chain_hash(std::string_view prev_hash_hex, const AuditEvent& event);

}  // namespace holdgate::storage
