#include "approvals/lock_rules.hpp"

#include <algorithm>

#include "approvals/request_rules_internal.hpp"

namespace holdgate::approvals {

RuleError not_admin() {
  return {RuleError::Kind::not_allowed, "locks are only for a role with admin: true"};
}

std::variant<storage::LockRecord, RuleError> plan_lock(const config::Config& config,
                                                       std::string_view by, const NewLock& lock,
                                                       TimePoint now, std::string id) {
  using Kind = RuleError::Kind;
  if (!is_admin(config, by)) return not_admin();
  const int chosen = !lock.user.empty() + !lock.target.empty() + !lock.role.empty();
  if (chosen != 1) return RuleError{Kind::invalid, "choose exactly one of --user, --target and --role"};
  if (!lock.user.empty() && !config.find_user(lock.user)) {
    return RuleError{Kind::invalid, "no user named '" + lock.user + "'"};
  }
  if (!lock.target.empty() && !config.find_target(lock.target)) {
    return RuleError{Kind::invalid, "no target named '" + lock.target + "'"};
  }
  if (!lock.role.empty() && !config.find_role(lock.role)) {
    return RuleError{Kind::invalid, "no role named '" + lock.role + "'"};
  }
  if (detail::is_blank(lock.reason)) {
    return RuleError{Kind::invalid, "a lock needs a reason: --reason \"...\""};
  }
  if (auto error = detail::check_reason(lock.reason)) return *error;
  storage::LockRecord planned;
  planned.id = std::move(id);
  planned.user = lock.user;
  planned.target = lock.target;
  planned.role = lock.role;
  planned.reason = lock.reason;
  planned.created_by = std::string(by);
  planned.created = now;
  if (lock.ttl) planned.expires = now + *lock.ttl;
  return planned;
}

const storage::LockRecord* lock_blocking_approval(const std::vector<storage::LockRecord>& locks,
                                                  const AccessRequest& request) {
  for (const auto& lock : locks) {
    bool on_role = !lock.role.empty() &&
                   std::find(request.roles.begin(), request.roles.end(), lock.role) != request.roles.end();
    bool on_user = !lock.user.empty() && lock.user == request.user;
    bool on_target = !lock.target.empty() && lock.target == request.target;
    if (on_role || on_user || on_target) return &lock;
  }
  return nullptr;
}

policy::Lock policy_lock(const storage::LockRecord& lock) {
  return {lock.id, lock.user, lock.target, lock.role, lock.reason, lock.created_by};
}

}  // namespace holdgate::approvals
