// The SSH user name parser (policy/route.hpp): LOGIN@TARGET, and a ProxyJump's bare login.
// What it accepts is exactly the name split at its last '@'; what it refuses is said in a
// sentence that can go to the person's terminal as it is.
#include <algorithm>
#include <string>

#include "fuzz_check.hpp"
#include "policy/route.hpp"

namespace {

using holdgate::fuzz::as_text;
using holdgate::fuzz::has_no_control_bytes;
namespace policy = holdgate::policy;

bool printable_ascii(std::string_view text) {
  for (char c : text) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view name = as_text(data, size);

  auto parsed = policy::parse_route(name);
  if (auto* route = std::get_if<policy::Route>(&parsed)) {
    FUZZ_CHECK(!route->login.empty() && !route->target.empty());
    FUZZ_CHECK(route->target.find('@') == std::string::npos);
    FUZZ_CHECK(route->login + "@" + route->target == name);
    FUZZ_CHECK(name.size() <= policy::max_user_name_bytes);
    FUZZ_CHECK(printable_ascii(name));
  } else {
    const auto& error = std::get<policy::RouteError>(parsed);
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(has_no_control_bytes(error.message));
  }

  // A ProxyJump: the first byte says where the login ends and the jump's target begins.
  if (size > 0) {
    const std::string_view rest = name.substr(1);
    const std::size_t cut = std::min<std::size_t>(data[0], rest.size());
    const std::string_view login = rest.substr(0, cut), target = rest.substr(cut);
    auto jumped = policy::jump_route(login, target);
    if (auto* route = std::get_if<policy::Route>(&jumped)) {
      FUZZ_CHECK(route->login == login && route->target == target);
      FUZZ_CHECK(!login.empty() && login.size() <= policy::max_user_name_bytes);
      FUZZ_CHECK(printable_ascii(login));
    } else {
      FUZZ_CHECK(has_no_control_bytes(std::get<policy::RouteError>(jumped).message));
    }
  }
  return 0;
}
