// The web page's secrets: login-link tokens and session ids are 32 random bytes (base64url),
// stored only as their SHA-256 (lowercase hex); the CSRF token of a session is derived from its
// id, so it needs no storage and differs per session. Comparisons are constant-time.
#pragma once

#include <string>
#include <string_view>

namespace holdgate::web {

// 32 bytes from the system's CSPRNG as 43 base64url characters (no padding). Throws
// approvals::RandomFailure when none can be had.
std::string new_secret();
// SHA-256 of `text` as 64 lowercase hex digits: what the store keeps.
std::string secret_hash(std::string_view text);
// The CSRF token of the session whose cookie is `session_id` (not its stored hash, which a copy
// of the database would give away).
std::string csrf_token(std::string_view session_id);
// Equal length and equal bytes, in time that depends on the length only (CRYPTO_memcmp).
bool same_secret(std::string_view a, std::string_view b);
// Looks like something new_secret() made: 43 base64url characters. Anything else is refused
// before it is hashed or looked up.
bool well_formed_secret(std::string_view text);

}  // namespace holdgate::web
