// Per-source penalties (sshd 9.8's PerSourcePenalties): a source whose connections end without
// authenticating accrues refusal time, and is refused new connections once that passes `min`.
// Unlike sshd, a source that comes back within `max` of its last refusal and offends again
// accrues twice as fast each time, so a persistent attacker is refused for exponentially
// longer (up to `max`) while a person who mistyped a few times waits seconds.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "config/config.hpp"
#include "limits/source.hpp"

namespace holdgate::limits {

enum class Offence {
  none,            // e.g. the server shut down
  no_auth,         // gone without attempting authentication (noauth)
  auth_failed,     // gone after failed attempts, or too many of them (authfail)
  grace_exceeded,  // not authenticated within login_grace (grace-exceeded)
};

class Penalties {
 public:
  explicit Penalties(const config::Limits& limits) : limits_(limits) {}

  // Why a new connection from `address` is refused now, or nullptr.
  const char* refusal(const config::IpAddress& address, TimePoint now);

  // Adds `offence`'s time to the source of `address`. Returns how long the source is refused
  // from now when this offence starts its refusal (for the log), nullopt otherwise.
  std::optional<Clock::duration> record(const config::IpAddress& address, Offence offence,
                                        TimePoint now);

  std::size_t tracked() const { return tables_[0].entries.size() + tables_[1].entries.size(); }

 private:
  struct Entry {
    TimePoint refused_until;  // accrued penalty ends here
    TimePoint forget_at;      // the entry (and its strikes) goes here
    bool active = false;      // accrued past `min`: refusing
    int strikes = 0;          // refusals so far; doubles what each offence adds
  };
  // One per address family, as in sshd, so an IPv6 flood cannot push IPv4 sources out.
  struct Table {
    std::map<config::IpAddress, Entry> entries;
    std::set<std::pair<TimePoint, config::IpAddress>> by_forget;  // the soonest to go first
  };

  bool exempt(const config::IpAddress& address) const;
  Table& table_for(const config::IpAddress& block) { return tables_[block.v6 ? 1 : 0]; }
  void expire(Table& table, TimePoint now);
  bool full(const Table& table) const;
  Clock::duration base(Offence offence) const;

  const config::Limits& limits_;
  std::array<Table, 2> tables_;
};

}  // namespace holdgate::limits
