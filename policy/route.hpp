// The SSH user name a person types is "LOGIN@TARGET": which account on which host they want.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace holdgate::policy {

struct Route {
  std::string login;
  std::string target;
};

struct RouteError {
  std::string message;  // one plain sentence for the user's terminal; never raw control bytes
};

// Longest user name accepted, in bytes.
inline constexpr std::size_t max_user_name_bytes = 256;

// Splits at the last '@' (OpenSSH already split `ssh root@db-1@bastion` at its last '@', so the
// name received is "root@db-1"; "a@b@db-1" gives login "a@b", target "db-1"). Both parts must
// be non-empty. The whole name must be at most max_user_name_bytes and consist of printable
// ASCII only: control characters, whitespace and non-ASCII bytes are refused.
std::variant<Route, RouteError> parse_route(std::string_view user_name);

// The inner connection of a ProxyJump (`ssh -J bastion root@db-1`) names only the login; the
// target came with the jump's channel. The login passes the same checks as parse_route's user
// name (non-empty, at most max_user_name_bytes, printable ASCII only), whichever way it arrived.
std::variant<Route, RouteError> jump_route(std::string_view login, std::string_view target);

}  // namespace holdgate::policy
