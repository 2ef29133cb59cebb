// Connections still in key exchange or authentication ("start-ups"), counted in total and per
// source. A flood of half-open connections can then neither exhaust the bastion nor, from one
// source, crowd out everybody else (sshd's MaxStartups and PerSourceMaxStartups).
#pragma once

#include <map>

#include "config/config.hpp"

namespace holdgate::limits {

enum class StartupVerdict {
  admitted,
  source_full,  // per_source_max_startups from this source already
  early_drop,   // between max_startups_begin and max_startups, the random refusal hit
  full,         // max_startups
};

class Startups {
 public:
  explicit Startups(const config::Limits& limits) : limits_(limits) {}

  // Admits (and counts) a start-up from `block` (see source_block), or says why not.
  // `roll` is a uniformly random whole number from 0 to 99, drawn by the caller.
  StartupVerdict admit(const config::IpAddress& block, int roll);
  // A start-up admitted from `block` finished its handshake, or ended.
  void release(const config::IpAddress& block);

  int total() const { return total_; }
  int from(const config::IpAddress& block) const;

 private:
  // sshd's drop_connection(): no refusals below begin, all at full, a straight line between.
  bool drop_early(int roll) const;

  const config::Limits& limits_;
  int total_ = 0;
  std::map<config::IpAddress, int> by_source_;  // only sources with start-ups: bounded by total_
};

}  // namespace holdgate::limits
