#include "policy/access.hpp"

namespace holdgate::policy {

const config::User* find_user_by_key(const config::Config& config, std::string_view key_type,
                                     std::string_view key_blob) {
  for (const auto& user : config.users) {
    for (const auto& key : user.keys) {
      if (key.type == key_type && key.blob == key_blob) return &user;
    }
  }
  return nullptr;
}

bool grant_covers(const Grant& grant, const config::Role& role, std::string_view login,
                  const config::Target& target) {
  // A scoped grant is what the reviewers approved: that login on that target, nothing else.
  if (!grant.target.empty() && (grant.target != target.name || grant.login != login)) {
    return false;
  }
  // Even then the role must still allow it: a config change that narrows a role narrows its grants.
  return role_allows(role, login, target);
}

AccessDecision decide_login(const config::Config& config, const config::User& user,
                            std::string_view login, const config::Target& target,
                            std::span<const Grant> grants, TimePoint now) {
  for (const auto& name : user.roles) {
    const config::Role* role = config.find_role(name);
    if (role != nullptr && role_allows(*role, login, target)) {
      return {LoginPermit(user.name, std::string(login), target, role->name, std::nullopt),
              "allowed by role " + role->name};
    }
  }

  const Grant* best = nullptr;
  const Grant* used = nullptr;  // one that would allow it but has no uses left
  for (const auto& grant : grants) {
    if (grant.expires <= now) continue;  // expired at exactly its expiry
    const config::Role* role = config.find_role(grant.role);
    if (role == nullptr || !grant_covers(grant, *role, login, target)) continue;
    if (grant.uses_left && *grant.uses_left <= 0) {
      if (used == nullptr) used = &grant;
      continue;
    }
    if (best != nullptr && grant.expires <= best->expires) continue;
    best = &grant;
  }
  if (best != nullptr) {
    return {LoginPermit(user.name, std::string(login), target, best->role, best->expires,
                        best->request_id),
            "allowed by role " + best->role + " (granted)"};
  }
  if (used != nullptr) {
    int uses = used->uses.value_or(0);
    AccessDecision refused{std::nullopt, "the access granted by request " + used->request_id +
                                             " has been used (it allowed " +
                                             std::to_string(uses) +
                                             (uses == 1 ? " login)" : " logins)")};
    refused.used_up = true;
    return refused;
  }

  return {std::nullopt,
          user.name + " may not log in as " + std::string(login) + " on " + target.name};
}

}  // namespace holdgate::policy
