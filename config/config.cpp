#include "config/config.hpp"

#include <algorithm>

namespace holdgate::config {
namespace {

template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  auto it =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Target* Config::find_target(std::string_view name) const { return find_named(targets, name); }
const User* Config::find_user(std::string_view name) const { return find_named(users, name); }
const Role* Config::find_role(std::string_view name) const { return find_named(roles, name); }

}  // namespace holdgate::config
