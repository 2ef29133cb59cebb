// Incident locks as pure rules: does a lock cover this login? No I/O and no clock: the caller
// passes the locks that hold now.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace holdgate::policy {

// One lock that holds: on a person, a target or a role (exactly one of them is set).
struct Lock {
  std::string id;
  std::string user, target, role;
  std::string reason;
  std::string created_by;
};

// The first lock that covers `person` logging in to `target` through `role` (the role whose rule
// allowed it), or nullptr.
const Lock* covering_lock(std::span<const Lock> locks, std::string_view person,
                          std::string_view target, std::string_view role);

// "db-1 is locked by alice: incident 42" (or "bob is locked", "role dba is locked"), raw: the
// caller sanitises it where it meets a terminal or a log.
std::string lock_sentence(const Lock& lock);

}  // namespace holdgate::policy
