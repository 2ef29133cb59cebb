// The SSH user name a person types is "LOGIN@TARGET": which account on which host they want.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace holdgate::policy {

struct Route {
  std::string login;
  std::string target;
};

struct RouteError {
  std::string message;  // one plain sentence for the user's terminal
};

// Splits at the last '@' (as OpenSSH does with `ssh root@db-1@bastion`). Both parts must be
// non-empty and free of control characters and whitespace.
std::variant<Route, RouteError> parse_route(std::string_view user_name);

}  // namespace holdgate::policy
