#include "deterministic_random.hpp"

#include <cstring>

#include <openssl/rand.h>

namespace holdgate::fuzz {
namespace {

// OpenSSL's RAND_METHOD callbacks take no user data, so the sequence's position is a global;
// the harness runs one session at a time on one thread.
std::uint64_t position = 0;

// splitmix64: not secret, just the same every run.
std::uint64_t next_word() {
  std::uint64_t z = (position += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int fill(unsigned char* out, int count) {
  while (count > 0) {
    std::uint64_t word = next_word();
    int n = count < 8 ? count : 8;
    std::memcpy(out, &word, static_cast<std::size_t>(n));
    out += n;
    count -= n;
  }
  return 1;
}

int ignore_seed(const void*, int) { return 1; }
int ignore_entropy(const void*, int, double) { return 1; }
int always_ready() { return 1; }

const RAND_METHOD fixed_method = {ignore_seed, fill, nullptr, ignore_entropy, fill, always_ready};

}  // namespace

void use_deterministic_random() { RAND_set_rand_method(&fixed_method); }

void restart_random(std::uint64_t seed) { position = seed; }

}  // namespace holdgate::fuzz
