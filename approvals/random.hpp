// Random bytes for identifiers (request ids, session ids) from OpenSSL's CSPRNG. A failure is
// reported, never papered over: an id made from uninitialised bytes could repeat or be guessed.
#pragma once

#include <cstddef>
#include <stdexcept>

namespace holdgate::approvals {

struct RandomFailure : std::runtime_error {
  RandomFailure() : std::runtime_error("the system's random number generator failed (RAND_bytes)") {}
};

// Fills `out` with `size` random bytes; false when OpenSSL could not (then `out` is unusable).
[[nodiscard]] bool random_bytes(unsigned char* out, std::size_t size);

}  // namespace holdgate::approvals
