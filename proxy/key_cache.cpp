#include "key_cache.hpp"

#include <algorithm>

namespace holdgate::proxy {

bool entry_usable(const DirectoryEntry& entry, const config::KeysCommand& settings,
                  std::chrono::steady_clock::time_point now,
                  std::chrono::steady_clock::time_point since) {
  if (entry.command != settings.command || entry.command.empty()) return false;
  if (entry.fetched >= since) return true;
  const std::chrono::steady_clock::duration ttl =
      entry.ok ? std::chrono::steady_clock::duration(settings.cache)
               : std::min<std::chrono::steady_clock::duration>(settings.cache, failed_run_retry);
  return now - entry.fetched < ttl;
}

KeyLookup look_up_key(const std::map<std::string, DirectoryEntry, std::less<>>& entries,
                      const std::vector<config::User>& users, const config::KeysCommand& settings,
                      std::string_view type, std::string_view blob,
                      std::chrono::steady_clock::time_point now,
                      std::chrono::steady_clock::time_point since) {
  KeyLookup lookup;
  for (const auto& user : users) {
    auto found = entries.find(user.name);
    if (found == entries.end()) {
      // Never asked: the answer may well list the key.
      lookup.unusable.push_back(user.name);
      lookup.unusable_lists_key = true;
      continue;
    }
    const auto& entry = found->second;
    const bool lists = std::any_of(entry.keys.begin(), entry.keys.end(), [&](const auto& key) {
      return key.type == type && key.blob == blob;
    });
    if (entry_usable(entry, settings, now, since)) {
      if (lists) lookup.owners.push_back(user.name);
    } else {
      lookup.unusable.push_back(user.name);
      lookup.unusable_lists_key = lookup.unusable_lists_key || lists;
    }
  }
  return lookup;
}

KeyVerdict key_verdict(const KeyLookup& lookup) {
  if (lookup.owners.size() > 1) return KeyVerdict::conflict;
  if (!lookup.unusable.empty() && (lookup.owners.empty() || lookup.unusable_lists_key)) {
    return KeyVerdict::refresh;
  }
  if (lookup.owners.empty()) return KeyVerdict::nobody;
  return KeyVerdict::one;
}

}  // namespace holdgate::proxy
