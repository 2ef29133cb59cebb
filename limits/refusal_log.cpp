#include "limits/refusal_log.hpp"

namespace holdgate::limits {

std::optional<RefusalLog::Line> RefusalLog::count(Entry& entry, bool other_sources,
                                                   TimePoint now) {
  ++entry.refusals;
  if (now < entry.next_line) return std::nullopt;
  Line line{other_sources, entry.refusals};
  entry.refusals = 0;
  entry.next_line = now + interval_;
  return line;
}

std::optional<RefusalLog::Line> RefusalLog::refused(const config::IpAddress& block,
                                                     TimePoint now) {
  auto it = entries_.find(block);
  if (it == entries_.end()) {
    if (entries_.size() >= max_sources_) {
      // Sources whose interval is over would start afresh anyway: their place is free.
      std::erase_if(entries_, [&](const auto& item) { return item.second.next_line <= now; });
    }
    if (entries_.size() >= max_sources_) return count(others_, true, now);
    it = entries_.emplace(block, Entry{now}).first;
  }
  return count(it->second, false, now);
}

}  // namespace holdgate::limits
