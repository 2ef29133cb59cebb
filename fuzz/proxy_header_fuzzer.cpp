// The PROXY protocol header (ingress/proxy_header.hpp), read the way proxy/ reads it: exactly
// the bytes NeedMore asks for, then parse again. The parser must never ask for a byte past the
// header's end (it would swallow the SSH stream) nor past the caps that bound what a
// connection can make holdgate hold.
#include <algorithm>
#include <span>

#include "fuzz_check.hpp"
#include "ingress/proxy_header.hpp"

namespace {

namespace ingress = holdgate::ingress;
using holdgate::fuzz::has_no_control_bytes;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const std::size_t cap = std::max(ingress::v1_max_length, ingress::v2_max_length);

  std::size_t have = 0;
  for (int rounds = 0;; ++rounds) {
    FUZZ_CHECK(rounds <= 4096);  // every round reads at least a byte, and the header is capped
    auto parsed = ingress::parse_proxy_header(input.first(have));
    if (auto* more = std::get_if<ingress::NeedMore>(&parsed)) {
      FUZZ_CHECK(more->bytes > 0);
      FUZZ_CHECK(have + more->bytes <= cap);
      if (have + more->bytes > size) break;  // the connection closed first
      have += more->bytes;
    } else if (auto* header = std::get_if<ingress::ProxyHeader>(&parsed)) {
      FUZZ_CHECK(header->length == have);
      // v1 refuses port 0; v2 carries the port as two bytes, any value.
      if (header->client && input[0] == 'P') FUZZ_CHECK(header->client->port != 0);
      break;
    } else {
      const auto& bad = std::get<ingress::BadHeader>(parsed);
      FUZZ_CHECK(!bad.reason.empty());
      FUZZ_CHECK(has_no_control_bytes(bad.reason));
      break;
    }
  }

  // All of it at once, as a caller that read too much would: no crash, and a header found is
  // within what was given.
  auto whole = ingress::parse_proxy_header(input);
  if (auto* header = std::get_if<ingress::ProxyHeader>(&whole)) FUZZ_CHECK(header->length <= size);
  return 0;
}
