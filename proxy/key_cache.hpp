// The pure rules of the keys_command cache (issue 15, section 4): when an answer may still be
// used, and what one lookup of an offered key concludes from the answers at hand. No I/O, no
// clock of its own; proxy/key_directory.* runs the command and keeps the entries.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace holdgate::proxy {

// What keys_command said about one holdgate user, the last time it ran.
struct DirectoryEntry {
  std::string command;  // the keys_command it ran as (a reload may change it)
  std::chrono::steady_clock::time_point fetched{};  // when that run ended
  bool ok = false;  // false: it failed, and the user has no key from the directory
  std::vector<config::AuthorizedKey> keys;
};

// A failed run is tried again after this long (or the cache time, when shorter): soon enough
// that a directory's hiccup does not lock anyone out for the whole cache time, late enough
// that keys offered by strangers cannot make holdgate run a broken command on every attempt.
constexpr std::chrono::seconds failed_run_retry{10};

// An entry may be used when it was made by the command configured now and either is younger
// than the cache time (failed_run_retry for a failure) or ended at or after `since`, when the
// lookup asking began (so `cache: 0` still answers from the run that lookup waited for).
bool entry_usable(const DirectoryEntry& entry, const config::KeysCommand& settings,
                  std::chrono::steady_clock::time_point now,
                  std::chrono::steady_clock::time_point since);

struct KeyLookup {
  std::vector<std::string> owners;    // users whose usable entry lists the key
  std::vector<std::string> unusable;  // users whose entry must be run again (or for the first time)
  bool unusable_lists_key = false;    // one of those listed the key last time, or was never asked
};

// Looks the key up among every configured user's entry (a user without an entry is unusable).
KeyLookup look_up_key(const std::map<std::string, DirectoryEntry, std::less<>>& entries,
                      const std::vector<config::User>& users, const config::KeysCommand& settings,
                      std::string_view type, std::string_view blob,
                      std::chrono::steady_clock::time_point now,
                      std::chrono::steady_clock::time_point since);

enum class KeyVerdict {
  refresh,   // run the command for `unusable` first, then look again
  nobody,    // no one's directory lists the key
  one,       // owners[0] holds it
  conflict,  // several people's directories list it: refused (and logged)
};

// One owner and no out-of-date entry that might also list the key: answer now. Any doubt
// (no owner yet, or an old answer of someone else listing it) is settled by running the
// command for the out-of-date entries; once none is left, the owners decide.
KeyVerdict key_verdict(const KeyLookup& lookup);

}  // namespace holdgate::proxy
