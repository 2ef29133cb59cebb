#include "connection_failure.hpp"

#include "policy/sanitize.hpp"

namespace holdgate::proxy {
namespace {

// A peer's disconnect text is theirs to choose: a line, not a screenful.
constexpr std::size_t max_reason = 200;

}  // namespace

bool connection_failed(ssh_session session) {
  return !ssh_is_connected(session) || (ssh_get_status(session) & SSH_CLOSED_ERROR) != 0;
}

std::optional<std::string> connection_failure(ssh_session session) {
  if (!connection_failed(session)) return std::nullopt;
  std::string reason = policy::sanitize(ssh_get_error(session));
  if (reason.empty()) reason = "connection closed";
  if (reason.size() > max_reason) reason = reason.substr(0, max_reason) + "...";
  return reason;
}

}  // namespace holdgate::proxy
