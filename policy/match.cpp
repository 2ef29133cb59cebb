#include "policy/match.hpp"

#include <algorithm>

namespace holdgate::policy {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool selector_matches(const config::LabelSelector& selector, const config::Labels& labels) {
  if (selector.any_target) return true;
  if (selector.labels.empty()) return false;  // match nothing, see the header
  for (const auto& [key, accepted] : selector.labels) {
    const auto found = labels.find(key);
    if (found == labels.end()) return false;
    if (!contains(accepted, "*") && !contains(accepted, found->second)) return false;
  }
  return true;
}

bool role_allows(const config::Role& role, std::string_view login, const config::Target& target) {
  return std::any_of(role.allow.begin(), role.allow.end(), [&](const config::AllowRule& rule) {
    return (contains(rule.logins, login) || contains(rule.logins, "*")) &&
           selector_matches(rule.targets, target.labels);
  });
}

}  // namespace holdgate::policy
