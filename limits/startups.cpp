#include "limits/startups.hpp"

namespace holdgate::limits {

StartupVerdict Startups::admit(const config::IpAddress& block, int roll) {
  int per_source = limits_.per_source_max_startups;
  if (per_source > 0 && from(block) >= per_source) return StartupVerdict::source_full;
  if (total_ >= limits_.max_startups) return StartupVerdict::full;
  if (drop_early(roll)) return StartupVerdict::early_drop;
  ++total_;
  ++by_source_[block];
  return StartupVerdict::admitted;
}

void Startups::release(const config::IpAddress& block) {
  auto it = by_source_.find(block);
  if (it == by_source_.end()) return;
  --total_;
  if (--it->second == 0) by_source_.erase(it);
}

int Startups::from(const config::IpAddress& block) const {
  auto it = by_source_.find(block);
  return it == by_source_.end() ? 0 : it->second;
}

bool Startups::drop_early(int roll) const {
  int begin = limits_.max_startups_begin, full = limits_.max_startups;
  if (total_ < begin) return false;
  if (full <= begin) return true;
  int rate = limits_.max_startups_rate;
  int percent = rate + (100 - rate) * (total_ - begin) / (full - begin);
  return roll < percent;
}

}  // namespace holdgate::limits
