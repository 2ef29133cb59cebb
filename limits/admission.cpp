#include "limits/admission.hpp"

#include <algorithm>

namespace holdgate::limits {
namespace {

const char* reason_for(StartupVerdict verdict) {
  switch (verdict) {
    case StartupVerdict::source_full: return "too many unauthenticated connections from this source";
    case StartupVerdict::early_drop: return "many unauthenticated connections, dropped at random";
    case StartupVerdict::full: return "too many unauthenticated connections";
    case StartupVerdict::admitted: break;
  }
  return "";
}

// The log's table of sources is as large as the penalty table, within reason.
std::size_t log_sources(const config::Limits& limits) {
  return std::min<std::size_t>(4096, limits.per_source_penalties.max_sources);
}

}  // namespace

Admissions::Admissions(const config::Limits& limits)
    : limits_(limits),
      startups_(limits),
      penalties_(limits),
      refusal_log_(refusal_log_interval, log_sources(limits)) {}

Admission Admissions::admit(const config::IpAddress& address, TimePoint now, int roll) {
  auto block = source_block(address, limits_);
  std::string reason;
  if (const char* penalised = penalties_.refusal(address, now)) {
    reason = penalised;
  } else if (auto verdict = startups_.admit(block, roll); verdict != StartupVerdict::admitted) {
    reason = reason_for(verdict);
  } else {
    return Admission{true, {}, std::nullopt, 0};
  }
  Admission refused{false, std::move(reason), std::nullopt, 0};
  if (auto line = refusal_log_.refused(block, now)) {
    refused.log_source = line->other_sources ? "others" : block_text(block, limits_);
    refused.refusals = line->refusals;
  }
  return refused;
}

void Admissions::release(const config::IpAddress& address) {
  startups_.release(source_block(address, limits_));
}

std::optional<std::pair<std::string, Clock::duration>> Admissions::penalise(
    const config::IpAddress& address, Offence offence, TimePoint now) {
  auto refused_for = penalties_.record(address, offence, now);
  if (!refused_for) return std::nullopt;
  return std::pair{block_text(source_block(address, limits_), limits_), *refused_for};
}

}  // namespace holdgate::limits
