#include "approvals/request_limits.hpp"

#include <algorithm>
#include <vector>

#include "approvals/render.hpp"

namespace holdgate::approvals {
namespace {

// "13m", "2h", "40s": rounded up to a whole minute past the first, so it never says "too soon".
std::string wait_text(storage::Clock::duration wait) {
  auto seconds = std::chrono::ceil<std::chrono::seconds>(wait);
  if (seconds > std::chrono::minutes(1)) seconds = std::chrono::ceil<std::chrono::minutes>(seconds);
  return format_duration(std::max(seconds, std::chrono::seconds(1)));
}

std::string requests_text(int n) { return std::to_string(n) + (n == 1 ? " request" : " requests"); }

}  // namespace

storage::TimePoint rate_window_start(const config::Limits& limits, storage::TimePoint now) {
  return now - limits.request_rate.per;
}

std::optional<std::string> creation_refusal(const config::Limits& limits,
                                            const storage::RequesterActivity& activity,
                                            storage::TimePoint now) {
  if (activity.pending >= limits.max_pending_requests) {
    return "you have " + std::to_string(activity.pending) + " pending " +
           (activity.pending == 1 ? "request" : "requests") +
           " already, the most allowed; cancel one or wait for a decision";
  }
  const auto start = rate_window_start(limits, now);
  std::vector<storage::TimePoint> recent;
  // Within the last `per`: one made exactly `per` ago has just left, as the wait below says.
  for (auto at : activity.created) {
    if (at > start) recent.push_back(at);
  }
  std::sort(recent.begin(), recent.end());
  const auto allowed = static_cast<std::size_t>(limits.request_rate.count);
  if (recent.size() < allowed) return std::nullopt;
  // The next request fits once enough of the recent ones have left the window: the one that
  // leaves room is the (size - allowed + 1)-th oldest.
  const auto frees_up = recent[recent.size() - allowed] + limits.request_rate.per;
  return "you have made " + requests_text(static_cast<int>(recent.size())) + " in the last " +
         format_duration(limits.request_rate.per) + ", the most allowed; try again in " +
         wait_text(frees_up - now);
}

}  // namespace holdgate::approvals
