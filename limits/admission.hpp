// The decision at accept time for a connection that has not authenticated yet, and the
// bookkeeping after: penalties first, then the per-source and total start-up caps, each
// refusal logged once per source and interval. Pure: the caller passes the time and a random
// roll, and closes what is refused.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "limits/penalties.hpp"
#include "limits/refusal_log.hpp"
#include "limits/source.hpp"
#include "limits/startups.hpp"

namespace holdgate::limits {

// How often a refused source gets a line in the log.
constexpr auto refusal_log_interval = std::chrono::seconds(60);

struct Admission {
  bool admitted = false;
  std::string reason;  // why not, for the log
  // Set when this refusal is to be logged now: the source as text ("others" past the log's
  // table) and how many refusals the line stands for.
  std::optional<std::string> log_source;
  int refusals = 0;
};

class Admissions {
 public:
  explicit Admissions(const config::Limits& limits);

  // A new connection from `address`; when admitted, it counts as a start-up until release().
  // `roll`: a uniformly random whole number from 0 to 99 (the random early drop).
  Admission admit(const config::IpAddress& address, TimePoint now, int roll);
  void release(const config::IpAddress& address);

  // A connection from `address` ended without authenticating, in this way. Returns the
  // source as text and how long it is refused from now, when this starts a refusal.
  std::optional<std::pair<std::string, Clock::duration>> penalise(const config::IpAddress& address,
                                                                  Offence offence, TimePoint now);

  int startups() const { return startups_.total(); }

 private:
  const config::Limits& limits_;
  Startups startups_;
  Penalties penalties_;
  RefusalLog refusal_log_;
};

}  // namespace holdgate::limits
