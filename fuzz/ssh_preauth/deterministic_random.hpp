// OpenSSL's random numbers made a fixed sequence, for the fuzz harness only.
//
// A recorded client byte stream replays past key exchange only if the server's side of it comes
// out the same every time: its KEXINIT cookie, its ephemeral key, hence the session keys the
// client's encrypted packets were made with. libssh draws all of those from OpenSSL
// (RAND_bytes / RAND_priv_bytes, and OpenSSL's key generation), so replacing OpenSSL's random
// method with a seeded counter makes a session a pure function of the client's bytes.
// Never linked into holdgate itself.
#pragma once

#include <cstdint>

namespace holdgate::fuzz {

// Installs the fixed sequence as OpenSSL's random method (once, before any session).
void use_deterministic_random();

// Starts the sequence again from `seed`: once per session, so each replays alike.
void restart_random(std::uint64_t seed);

}  // namespace holdgate::fuzz
