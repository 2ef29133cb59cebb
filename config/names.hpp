// Internal: the rules for target, user and role names, and catching a name used twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/reader.hpp"

namespace holdgate::config::detail {

enum class NameKind { target, user, role, hook };

// Why `name` cannot name a `kind`; empty when it can.
std::string name_problem(NameKind kind, std::string_view name);

// Reads the required `name` of each entry of one list (targets, users or roles).
class NameSet {
 public:
  explicit NameSet(NameKind kind) : kind_(kind) {}

  // Returns the name even when it breaks a rule, so later reference checks don't pile further
  // errors on the same mistake; nullopt only when there is no name at all.
  std::optional<std::string> read(const Fields& fields);

 private:
  NameKind kind_;
  std::vector<std::pair<std::string, int>> seen_;  // name, 1-based line
};

}  // namespace holdgate::config::detail
