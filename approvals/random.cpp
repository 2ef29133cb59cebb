#include "approvals/random.hpp"

#include <openssl/rand.h>

#include <climits>

namespace holdgate::approvals {

bool random_bytes(unsigned char* out, std::size_t size) {
  return size <= INT_MAX && RAND_bytes(out, static_cast<int>(size)) == 1;
}

}  // namespace holdgate::approvals
