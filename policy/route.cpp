#include "policy/route.hpp"

#include <optional>
#include <utility>

#include "policy/sanitize.hpp"

namespace holdgate::policy {
namespace {

constexpr std::string_view kExpected =
    "expected LOGIN@TARGET as the user name (e.g. ssh -p 2222 root@db-1@bastion)";

bool is_control_or_space(unsigned char c) { return c <= 0x20 || c == 0x7f; }

// Through a ProxyJump the user name is the login alone.
constexpr std::string_view kExpectedLogin =
    "expected the login on the target as the user name (e.g. ssh -J bastion root@db-1)";

RouteError error(std::string message) { return RouteError{std::move(message)}; }

// The checks every user name passes: its length, then its characters. `expected` says what
// the name should have been.
std::optional<RouteError> check_user_name(std::string_view user_name, std::string_view expected) {
  if (user_name.size() > max_user_name_bytes) {
    return error("the user name is " + std::to_string(user_name.size()) + " bytes long, at most " +
                 std::to_string(max_user_name_bytes) + " are allowed; " + std::string(expected));
  }
  bool control_or_space = false, non_ascii = false;
  for (unsigned char c : user_name) {
    control_or_space |= is_control_or_space(c);
    non_ascii |= c >= 0x80;
  }
  const std::string shown = "'" + sanitize(user_name) + "'";
  if (control_or_space) {
    return error("the user name " + shown + " contains a control character or whitespace; " +
                 std::string(expected));
  }
  if (non_ascii) {
    return error("the user name " + shown + " contains a non-ASCII character; " +
                 std::string(expected));
  }
  return std::nullopt;
}

}  // namespace

std::variant<Route, RouteError> jump_route(std::string_view login, std::string_view target) {
  if (auto problem = check_user_name(login, kExpectedLogin)) return *std::move(problem);
  if (login.empty()) return error("the user name is empty; " + std::string(kExpectedLogin));
  return Route{std::string(login), std::string(target)};
}

std::variant<Route, RouteError> parse_route(std::string_view user_name) {
  if (auto problem = check_user_name(user_name, kExpected)) return *std::move(problem);
  const std::string shown = "'" + sanitize(user_name) + "'";

  const auto at = user_name.rfind('@');
  if (at == std::string_view::npos) return error(std::string(kExpected) + ", got " + shown);
  const auto login = user_name.substr(0, at);
  const auto target = user_name.substr(at + 1);
  if (login.empty() && target.empty()) {
    return error("the login and the target in " + shown + " are empty; " + std::string(kExpected));
  }
  if (login.empty()) {
    return error("the login before '@' in " + shown + " is empty; " + std::string(kExpected));
  }
  if (target.empty()) {
    return error("the target after '@' in " + shown + " is empty; " + std::string(kExpected));
  }
  return Route{std::string(login), std::string(target)};
}

}  // namespace holdgate::policy
