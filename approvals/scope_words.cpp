#include "approvals/scope_words.hpp"

namespace holdgate::approvals {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

// "kind=db,env=prod|staging" (a label matches any of its values); "any target" for `*`.
std::string selector_words(const config::LabelSelector& selector) {
  if (selector.any_target) return "any target";
  std::string out;
  for (const auto& [key, values] : selector.labels) {
    out += (out.empty() ? "" : ",") + key + "=" + join(values, "|");
  }
  return out.empty() ? "any target" : out;
}

}  // namespace

std::string role_allows_words(const config::Role& role) {
  std::string out;
  for (const auto& rule : role.allow) {
    out += (out.empty() ? "" : "; ") + join(rule.logins, ",") + " on " +
           selector_words(rule.targets);
  }
  return out.empty() ? "no logins" : out;
}

std::string scope_words(const config::Config& config, const storage::AccessRequest& request) {
  // Flagged in the same words everywhere the request is shown (lists, menus, webhooks).
  if (request.break_glass()) {
    return "BREAK-GLASS " + request.login + "@" + request.target + " (via " +
           join(request.roles, ", ") + ")";
  }
  if (storage::is_scoped(request)) {
    return request.login + "@" + request.target + " (via " + join(request.roles, ", ") + ")";
  }
  std::string out;
  for (const auto& name : request.roles) {
    out += (out.empty() ? "role " : ", role ") + name;
    if (const config::Role* role = config.find_role(name)) {
      out += " (" + role_allows_words(*role) + ")";
    }
  }
  return out;
}

}  // namespace holdgate::approvals
