// Refused connections are logged once per source and interval, not once per socket: a flood
// must not flood the log too. The table of sources is bounded; past it, the refusals of every
// source it has no room for share one line.
#pragma once

#include <cstddef>
#include <map>
#include <optional>

#include "config/network.hpp"
#include "limits/source.hpp"

namespace holdgate::limits {

class RefusalLog {
 public:
  struct Line {
    bool other_sources = false;  // the line stands for sources the table had no room for
    int refusals = 0;            // since the source's last line, this one included
  };

  RefusalLog(Clock::duration interval, std::size_t max_sources)
      : interval_(interval), max_sources_(max_sources) {}

  // Counts a refusal of `block`; the line to write now, or nullopt while its interval runs.
  std::optional<Line> refused(const config::IpAddress& block, TimePoint now);

 private:
  struct Entry {
    TimePoint next_line;
    int refusals = 0;  // not yet written
  };
  std::optional<Line> count(Entry& entry, bool other_sources, TimePoint now);

  Clock::duration interval_;
  std::size_t max_sources_;
  std::map<config::IpAddress, Entry> entries_;
  Entry others_;
};

}  // namespace holdgate::limits
