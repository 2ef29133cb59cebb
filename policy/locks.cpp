#include "policy/locks.hpp"

namespace holdgate::policy {

const Lock* covering_lock(std::span<const Lock> locks, std::string_view person,
                          std::string_view target, std::string_view role) {
  for (const Lock& lock : locks) {
    bool covers = (!lock.user.empty() && lock.user == person) ||
                  (!lock.target.empty() && lock.target == target) ||
                  (!lock.role.empty() && lock.role == role);
    if (covers) return &lock;
  }
  return nullptr;
}

std::string lock_sentence(const Lock& lock) {
  std::string what = !lock.user.empty()     ? lock.user
                     : !lock.target.empty() ? lock.target
                                            : "role " + lock.role;
  return what + " is locked by " + lock.created_by + ": " + lock.reason;
}

}  // namespace holdgate::policy
