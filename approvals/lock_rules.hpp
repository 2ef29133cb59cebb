// Incident locks in the approvals channel, as pure rules: who may make one and what it must say.
// Coverage of logins is policy/locks.hpp; this file adds what the service stores.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "approvals/request_rules.hpp"
#include "config/config.hpp"
#include "policy/locks.hpp"
#include "storage/records.hpp"

namespace holdgate::approvals {

// What `lock create` asks for: exactly one of user, target, role.
struct NewLock {
  std::string user, target, role;
  std::optional<std::chrono::seconds> ttl;  // none: until removed
  std::string reason;

  bool operator==(const NewLock&) const = default;
};

// A lock to store (created = now, expires = now + ttl). Refuses: `by` holds no admin role
// (checked first), not exactly one of user/target/role, a name the config does not define, a
// blank reason, a reason over max_reason_bytes or with a NUL.
std::variant<storage::LockRecord, RuleError> plan_lock(const config::Config& config,
                                                       std::string_view by, const NewLock& lock,
                                                       TimePoint now, std::string id);

// The refusal for someone without an admin role who tries to manage locks.
RuleError not_admin();

// The first of `locks` that blocks approving `request`: a lock on its requester, on one of its
// roles, or on its target (inline requests name one), or nullptr.
const storage::LockRecord* lock_blocking_approval(const std::vector<storage::LockRecord>& locks,
                                                  const AccessRequest& request);

// The stored lock as policy sees it.
policy::Lock policy_lock(const storage::LockRecord& lock);

}  // namespace holdgate::approvals
