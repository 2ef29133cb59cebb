#include "limits/penalties.hpp"

#include <algorithm>

namespace holdgate::limits {

bool Penalties::exempt(const config::IpAddress& address) const {
  const auto& list = limits_.per_source_penalties.exempt;
  return std::any_of(list.begin(), list.end(),
                     [&](const config::Network& network) { return contains(network, address); });
}

void Penalties::expire(Table& table, TimePoint now) {
  while (!table.by_forget.empty() && table.by_forget.begin()->first <= now) {
    table.entries.erase(table.by_forget.begin()->second);
    table.by_forget.erase(table.by_forget.begin());
  }
}

bool Penalties::full(const Table& table) const {
  return table.entries.size() >= static_cast<std::size_t>(limits_.per_source_penalties.max_sources);
}

Clock::duration Penalties::base(Offence offence) const {
  const auto& p = limits_.per_source_penalties;
  switch (offence) {
    case Offence::no_auth: return p.noauth;
    case Offence::auth_failed: return p.authfail;
    case Offence::grace_exceeded: return p.grace_exceeded;
    case Offence::none: break;
  }
  return Clock::duration::zero();
}

const char* Penalties::refusal(const config::IpAddress& address, TimePoint now) {
  const auto& settings = limits_.per_source_penalties;
  if (!settings.enabled || exempt(address)) return nullptr;
  auto block = source_block(address, limits_);
  auto& table = table_for(block);
  expire(table, now);
  if (settings.deny_all_on_overflow && full(table)) return "the penalty table is full";
  auto it = table.entries.find(block);
  if (it == table.entries.end() || !it->second.active || it->second.refused_until <= now) {
    return nullptr;
  }
  return "penalised for failed or abandoned logins";
}

std::optional<Clock::duration> Penalties::record(const config::IpAddress& address,
                                                 Offence offence, TimePoint now) {
  const auto& settings = limits_.per_source_penalties;
  auto penalty = base(offence);
  if (!settings.enabled || penalty <= Clock::duration::zero() || exempt(address)) return std::nullopt;
  auto block = source_block(address, limits_);
  auto& table = table_for(block);
  expire(table, now);

  auto it = table.entries.find(block);
  if (it == table.entries.end()) {
    if (full(table)) {
      if (settings.deny_all_on_overflow) return std::nullopt;  // everybody is refused meanwhile
      // permissive: the source whose entry would go soonest makes room.
      table.entries.erase(table.by_forget.begin()->second);
      table.by_forget.erase(table.by_forget.begin());
    }
    it = table.entries.emplace(block, Entry{now, now}).first;
  } else {
    table.by_forget.erase({it->second.forget_at, block});
  }
  Entry& entry = it->second;
  if (entry.refused_until <= now) {  // a refusal that ran out: its strikes stay
    entry.refused_until = now;
    entry.active = false;
  }
  Clock::duration max = settings.max;
  for (int i = 0; i < entry.strikes && penalty < max; ++i) penalty *= 2;
  entry.refused_until = std::min(entry.refused_until + std::min(penalty, max), now + max);
  std::optional<Clock::duration> started;
  // Strictly more than min, as in sshd: three 5s failures in a row are not yet refused.
  if (!entry.active && entry.refused_until - now > Clock::duration(settings.min)) {
    entry.active = true;
    ++entry.strikes;
    started = entry.refused_until - now;
  }
  entry.forget_at = entry.strikes > 0 ? entry.refused_until + max : entry.refused_until;
  table.by_forget.insert({entry.forget_at, block});
  return started;
}

}  // namespace holdgate::limits
