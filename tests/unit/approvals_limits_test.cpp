// The per-person request limits (limits.max_pending_requests, limits.request_rate) as a table of
// one-line scenarios over what the store reports, with the time passed in.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "approvals/request_limits.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
namespace st = holdgate::storage;
using namespace std::chrono_literals;

namespace {

const st::TimePoint now = st::TimePoint(1'700'000'000s);

// Creation times as "so long ago".
std::vector<st::TimePoint> ago(std::vector<std::chrono::seconds> ages) {
  std::vector<st::TimePoint> times;
  for (auto age : ages) times.push_back(now - age);
  return times;
}

}  // namespace

TEST_CASE("creation_refusal: pending cap and rate, one sentence each", "[approvals][limits]") {
  struct Row {
    const char* what;
    int max_pending;
    cfg::Rate rate;
    int pending;
    std::vector<std::chrono::seconds> created_ago;
    std::optional<std::string> refusal;
  };
  const std::string pending3 =
      "you have 3 pending requests already, the most allowed; cancel one or wait for a decision";
  auto row = GENERATE_COPY(values<Row>({
      {"nothing yet", 3, {5, 1h}, 0, {}, std::nullopt},
      {"one below the cap", 3, {5, 1h}, 2, {10s, 20s}, std::nullopt},
      {"at the cap", 3, {5, 1h}, 3, {10s, 20s, 30s}, pending3},
      {"over the cap (it was lowered)", 2, {5, 1h}, 3, {},
       "you have 3 pending requests already, the most allowed; cancel one or wait for a decision"},
      {"one pending, cap 1", 1, {5, 1h}, 1, {},
       "you have 1 pending request already, the most allowed; cancel one or wait for a decision"},
      {"rate: one below", 10, {3, 1h}, 0, {10min, 20min}, std::nullopt},
      // The oldest of the three leaves the window 60m after it was made: in 30m.
      {"rate: at it", 10, {3, 1h}, 0, {10min, 20min, 30min},
       "you have made 3 requests in the last 1h, the most allowed; try again in 30m"},
      {"rate: older ones do not count", 10, {3, 1h}, 0, {10min, 20min, 61min, 2h}, std::nullopt},
      {"rate: made exactly one window ago has left it", 10, {2, 1h}, 0, {1h, 1s}, std::nullopt},
      {"rate: a moment later it would have", 10, {2, 1h}, 0, {1h - 1s, 1s},
       "you have made 2 requests in the last 1h, the most allowed; try again in 1s"},
      {"rate: rounded up to the minute", 10, {1, 1h}, 0, {(59 * 60 - 30) * 1s},
       "you have made 1 request in the last 1h, the most allowed; try again in 2m"},
      // With 4 in a window of 3 (the rate was lowered), two must leave: the second oldest.
      {"rate: over it", 10, {3, 10min}, 0, {1min, 2min, 3min, 4min},
       "you have made 4 requests in the last 10m, the most allowed; try again in 7m"},
      {"pending is said first", 1, {1, 1h}, 1, {1s},
       "you have 1 pending request already, the most allowed; cancel one or wait for a decision"},
  }));
  INFO(row.what);
  cfg::Limits limits;
  limits.max_pending_requests = row.max_pending;
  limits.request_rate = row.rate;
  st::RequesterActivity activity{row.pending, ago(row.created_ago)};
  CHECK(ap::creation_refusal(limits, activity, now) == row.refusal);
}

TEST_CASE("rate_window_start is one request_rate.per ago", "[approvals][limits]") {
  cfg::Limits limits;
  limits.request_rate = {5, 30min};
  CHECK(ap::rate_window_start(limits, now) == now - 30min);
}
