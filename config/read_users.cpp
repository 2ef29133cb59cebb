#include <algorithm>

#include "config/keys.hpp"
#include "config/names.hpp"
#include "config/sections.hpp"

namespace holdgate::config::detail {
namespace {

struct KeyOwner {
  std::string type, blob, user;
  int line;  // 1-based
};

// A key identifies its user at login, so one key listed for two users would make the login
// ambiguous.
void check_key_unique(const Entry& item, const AuthorizedKey& key, const std::string& user,
                      std::vector<KeyOwner>& owners) {
  auto owner = std::find_if(owners.begin(), owners.end(), [&](const KeyOwner& o) {
    return o.type == key.type && o.blob == key.blob;
  });
  if (owner == owners.end()) {
    owners.push_back({key.type, key.blob, user, item.mark.line + 1});
  } else if (owner->user == user) {
    item.error("this key is already listed at line " + std::to_string(owner->line));
  } else {
    item.error("this key already belongs to user '" + owner->user + "' (line " +
               std::to_string(owner->line) + ")");
  }
}

}  // namespace

std::vector<User> read_users(const Entry& e, std::vector<RoleRef>& refs) {
  std::vector<User> users;
  std::vector<KeyOwner> key_owners;
  NameSet names(NameKind::user);
  for (const auto& item : read_list(e)) {
    Fields fields(item, {"name", "keys", "roles", "traits"});
    User user;
    user.name = names.read(fields).value_or("");
    if (auto f = fields.get("keys")) {
      for (const auto& key_entry : read_list(*f)) {
        auto line = read_string(key_entry);
        if (!line) continue;
        auto parsed = parse_authorized_key(*line);
        if (!parsed.key) {
          key_entry.error(parsed.problem);
          continue;
        }
        check_key_unique(key_entry, *parsed.key, user.name, key_owners);
        user.keys.push_back(*parsed.key);
      }
    }
    if (auto f = fields.get("roles")) user.roles = read_role_names(*f, refs);
    if (auto f = fields.get("traits")) user.traits = read_labels(*f);
    users.push_back(std::move(user));
  }
  return users;
}

}  // namespace holdgate::config::detail
