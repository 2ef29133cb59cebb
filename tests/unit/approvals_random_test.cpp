// Request ids come from OpenSSL's CSPRNG; when it fails, no id is made from whatever bytes
// happened to be in memory.
#include <catch2/catch.hpp>

// RAND_set_rand_method is deprecated in OpenSSL 3 but is still how RAND_bytes can be made to
// fail on purpose, which this test needs.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rand.h>

#include <set>
#include <string>

#include "approvals/random.hpp"
#include "approvals/service.hpp"

namespace {

int failing_bytes(unsigned char*, int) { return 0; }
int failing_status() { return 0; }

// Installs a random method whose every call fails, for as long as it lives.
class FailingRandom {
 public:
  FailingRandom() {
    method_.bytes = failing_bytes;
    method_.pseudorand = failing_bytes;
    method_.status = failing_status;
    saved_ = RAND_get_rand_method();
    RAND_set_rand_method(&method_);
  }
  ~FailingRandom() { RAND_set_rand_method(saved_); }

 private:
  RAND_METHOD method_{};
  const RAND_METHOD* saved_ = nullptr;
};

}  // namespace

TEST_CASE("random ids: fresh when the generator works, refused when it fails", "[random]") {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(holdgate::approvals::random_uuid());
  CHECK(ids.size() == 100);

  FailingRandom failing;
  unsigned char bytes[16];
  CHECK_FALSE(holdgate::approvals::random_bytes(bytes, sizeof bytes));
  CHECK_THROWS_AS(holdgate::approvals::random_uuid(), holdgate::approvals::RandomFailure);
}
