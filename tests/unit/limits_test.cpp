// Limits on connections that have not authenticated: start-ups in total and per source, the
// random early drop, per-source penalties, and the rate-limited refusal log. Tables of
// one-line scenarios; time and the random roll are passed in, so nothing here sleeps.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "limits/admission.hpp"
#include "limits/penalties.hpp"
#include "limits/refusal_log.hpp"
#include "limits/source.hpp"
#include "limits/startups.hpp"

namespace cfg = holdgate::config;
namespace lim = holdgate::limits;
using namespace std::chrono_literals;
using lim::Offence;
using lim::StartupVerdict;

namespace {

cfg::IpAddress ip(const std::string& text) {
  auto address = cfg::parse_ip(text);
  REQUIRE(address.has_value());
  return *address;
}

const lim::TimePoint t0{};
lim::TimePoint at(std::chrono::seconds s) { return t0 + s; }

}  // namespace

TEST_CASE("addresses: v4-mapped IPv6 is IPv4, net blocks mask, networks contain", "[limits]") {
  cfg::Limits limits;
  CHECK(lim::canonical(ip("::ffff:127.0.0.2")) == ip("127.0.0.2"));
  CHECK(lim::canonical(ip("2001:db8::1")) == ip("2001:db8::1"));
  CHECK(lim::source_block(ip("192.0.2.7"), limits) == ip("192.0.2.7"));
  limits.per_source_prefix_v4 = 24;
  limits.per_source_prefix_v6 = 64;
  CHECK(lim::source_block(ip("192.0.2.7"), limits) == ip("192.0.2.0"));
  CHECK(lim::source_block(ip("::ffff:192.0.2.7"), limits) == ip("192.0.2.0"));
  CHECK(lim::source_block(ip("2001:db8:1:2:3:4:5:6"), limits) == ip("2001:db8:1:2::"));
  CHECK(lim::block_text(ip("192.0.2.0"), limits) == "192.0.2.0/24");
  CHECK(lim::block_text(ip("192.0.2.7"), cfg::Limits{}) == "192.0.2.7");

  struct Row {
    std::string network, address;
    bool inside;
  };
  for (const auto& row : std::vector<Row>{
           {"127.0.0.0/8", "127.0.0.2", true},
           {"127.0.0.0/8", "::ffff:127.9.9.9", true},
           {"127.0.0.1", "127.0.0.2", false},
           {"10.0.0.5/8", "10.200.0.1", true},  // host bits in the network are ignored
           {"2001:db8::/32", "2001:db8:ffff::1", true},
           {"2001:db8::/32", "2001:db9::1", false},
           {"0.0.0.0/0", "203.0.113.1", true},
           {"0.0.0.0/0", "2001:db8::1", false},  // families never match each other
           {"::1", "::1", true},
       }) {
    auto network = cfg::parse_network(row.network);
    REQUIRE(network.has_value());
    CHECK(lim::contains(*network, ip(row.address)) == row.inside);
  }
  for (const auto* bad : {"10.0.0/8", "10.0.0.0/33", "::/129", "10.0.0.0/", "host.example",
                          "[::1]", "10.0.0.0/8x"}) {
    INFO(bad);
    CHECK_FALSE(cfg::parse_network(bad).has_value());
  }
}

TEST_CASE("start-ups: the per-source cap, random early drop from begin to full", "[limits]") {
  struct Row {
    const char* what;
    int begin, rate, full, per_source;
    int from_a, from_b;  // start-ups already admitted from A and from B
    int roll;
    StartupVerdict a_verdict;  // for one more from A
  };
  const std::vector<Row> rows = {
      {"below begin, any roll", 10, 30, 100, 8, 0, 9, 0, StartupVerdict::admitted},
      {"at begin the rate applies: a low roll drops", 10, 30, 100, 8, 0, 10, 29, StartupVerdict::early_drop},
      {"at begin a roll of rate passes", 10, 30, 100, 8, 0, 10, 30, StartupVerdict::admitted},
      {"half way the chance is half way to 100", 10, 30, 100, 0, 0, 55, 64, StartupVerdict::early_drop},
      {"half way, just above", 10, 30, 100, 0, 0, 55, 65, StartupVerdict::admitted},
      {"at full always", 10, 30, 100, 0, 0, 100, 99, StartupVerdict::full},
      {"a single number: nothing below it", 5, 100, 5, 0, 0, 4, 99, StartupVerdict::admitted},
      {"a single number: all at it", 5, 100, 5, 0, 0, 5, 99, StartupVerdict::full},
      {"per source: A at its cap", 10, 30, 100, 8, 8, 0, 99, StartupVerdict::source_full},
      {"per source: A below its cap", 10, 30, 100, 8, 7, 0, 99, StartupVerdict::admitted},
      {"per source none: only the totals", 10, 30, 100, 0, 9, 0, 99, StartupVerdict::admitted},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    cfg::Limits limits;
    limits.max_startups_begin = row.begin;
    limits.max_startups_rate = row.rate;
    limits.max_startups = row.full;
    limits.per_source_max_startups = row.per_source;
    lim::Startups startups(limits);
    for (int i = 0; i < row.from_a; ++i) REQUIRE(startups.admit(ip("10.0.0.1"), 99) == StartupVerdict::admitted);
    for (int i = 0; i < row.from_b; ++i) {
      // B stands for many other sources here, so the per-source cap does not stop the setup.
      REQUIRE(startups.admit(ip("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250)), 99) ==
              StartupVerdict::admitted);
    }
    CHECK(startups.admit(ip("10.0.0.1"), row.roll) == row.a_verdict);
  }
}

TEST_CASE("start-ups: a flood from one source leaves others below begin", "[limits]") {
  cfg::Limits limits;  // defaults: 10:30:100, 8 per source
  lim::Startups startups(limits);
  int admitted = 0;
  for (int i = 0; i < 300; ++i) admitted += startups.admit(ip("127.0.0.2"), 0) == StartupVerdict::admitted;
  CHECK(admitted == 8);
  CHECK(startups.admit(ip("127.0.0.1"), 0) == StartupVerdict::admitted);  // even the unluckiest roll
  startups.release(ip("127.0.0.2"));
  CHECK(startups.from(ip("127.0.0.2")) == 7);
  CHECK(startups.total() == 8);
  startups.release(ip("192.0.2.1"));  // never admitted: changes nothing
  CHECK(startups.total() == 8);
}

TEST_CASE("penalties: accrue, refuse past min, grow for repeat offenders, expire", "[limits]") {
  // Defaults as sshd 9.8: authfail 5s, noauth 1s, grace_exceeded 10s, min 15s, max 10m.
  struct Step {
    int at;             // seconds
    Offence offence;    // none: only look
    bool refused;       // afterwards, a new connection from the source is refused
  };
  struct Scenario {
    const char* what;
    std::vector<Step> steps;
  };
  const std::vector<Scenario> scenarios = {
      {"three failures in a row are not yet refused (15s is not more than min)",
       {{0, Offence::auth_failed, false}, {0, Offence::auth_failed, false}, {0, Offence::auth_failed, false}}},
      {"the fourth is: refused for the 20s accrued",
       {{0, Offence::auth_failed, false}, {0, Offence::auth_failed, false}, {0, Offence::auth_failed, false},
        {0, Offence::auth_failed, true}, {19, Offence::none, true}, {20, Offence::none, false}}},
      {"failures spread out run off before they add up",
       {{0, Offence::auth_failed, false}, {6, Offence::auth_failed, false}, {12, Offence::auth_failed, false},
        {18, Offence::auth_failed, false}, {24, Offence::auth_failed, false}}},
      {"connections without a word: 1s each",
       {{0, Offence::no_auth, false}, {0, Offence::no_auth, false}, {1, Offence::no_auth, false}}},
      {"two grace timeouts: 20s",
       {{0, Offence::grace_exceeded, false}, {0, Offence::grace_exceeded, true}, {19, Offence::none, true},
        {20, Offence::none, false}}},
      {"no offence, no penalty", {{0, Offence::none, false}, {0, Offence::none, false}}},
      {"a repeat offender accrues twice as fast: refused 20s, then 20s at once, then 40s",
       {{0, Offence::grace_exceeded, false}, {0, Offence::grace_exceeded, true}, {20, Offence::none, false},
        {30, Offence::grace_exceeded, true},   // 10s x2 = 20s > min: refused at the first
        {49, Offence::none, true}, {50, Offence::none, false},
        {60, Offence::grace_exceeded, true},   // x4 = 40s
        {99, Offence::none, true}, {100, Offence::none, false}}},
      {"the doubling stops at max (10m)",
       {{0, Offence::grace_exceeded, false}, {0, Offence::grace_exceeded, true},        // 20s
        {20, Offence::grace_exceeded, true}, {40, Offence::grace_exceeded, true},      // 20s, 40s
        {80, Offence::grace_exceeded, true}, {160, Offence::grace_exceeded, true},     // 80s, 160s
        {320, Offence::grace_exceeded, true}, {640, Offence::grace_exceeded, true},    // 320s, 600s
        {1239, Offence::none, true}, {1240, Offence::none, false}}},
      {"forgiven max (10m) after a refusal ends: back to the first round",
       {{0, Offence::grace_exceeded, false}, {0, Offence::grace_exceeded, true},
        {621, Offence::grace_exceeded, false}}},
  };
  for (const auto& scenario : scenarios) {
    INFO(scenario.what);
    cfg::Limits limits;
    lim::Penalties penalties(limits);
    auto source = ip("203.0.113.9");
    for (const auto& step : scenario.steps) {
      INFO("at " << step.at << "s");
      penalties.record(source, step.offence, at(std::chrono::seconds(step.at)));
      CHECK((penalties.refusal(source, at(std::chrono::seconds(step.at))) != nullptr) == step.refused);
    }
    CHECK(penalties.refusal(ip("203.0.113.10"), at(0s)) == nullptr);  // never anyone else
  }
}

TEST_CASE("penalties: the refusal starts once, with how long it lasts", "[limits]") {
  cfg::Limits limits;
  lim::Penalties penalties(limits);
  auto source = ip("203.0.113.9");
  CHECK_FALSE(penalties.record(source, Offence::grace_exceeded, at(0s)).has_value());
  auto started = penalties.record(source, Offence::grace_exceeded, at(0s));
  REQUIRE(started.has_value());
  CHECK(*started == 20s);
  CHECK_FALSE(penalties.record(source, Offence::grace_exceeded, at(1s)).has_value());  // already on
}

TEST_CASE("penalties: exemptions, net blocks, off, and 0s kinds", "[limits]") {
  auto flood = [](lim::Penalties& penalties, const std::string& address) {
    for (int i = 0; i < 3; ++i) penalties.record(ip(address), Offence::grace_exceeded, at(0s));
  };
  SECTION("an exempt network is never penalised") {
    cfg::Limits limits;
    limits.per_source_penalties.exempt = {*cfg::parse_network("127.0.0.0/8"), *cfg::parse_network("2001:db8::/32")};
    lim::Penalties penalties(limits);
    flood(penalties, "127.0.0.1");
    flood(penalties, "2001:db8::5");
    CHECK(penalties.refusal(ip("127.0.0.1"), at(1s)) == nullptr);
    CHECK(penalties.refusal(ip("2001:db8::5"), at(1s)) == nullptr);
    CHECK(penalties.tracked() == 0);
    flood(penalties, "128.0.0.1");
    CHECK(penalties.refusal(ip("128.0.0.1"), at(1s)) != nullptr);
  }
  SECTION("the net block is one source") {
    cfg::Limits limits;
    limits.per_source_prefix_v4 = 24;
    lim::Penalties penalties(limits);
    flood(penalties, "192.0.2.5");
    CHECK(penalties.refusal(ip("192.0.2.200"), at(1s)) != nullptr);
    CHECK(penalties.refusal(ip("192.0.3.1"), at(1s)) == nullptr);
  }
  SECTION("off") {
    cfg::Limits limits;
    limits.per_source_penalties.enabled = false;
    lim::Penalties penalties(limits);
    flood(penalties, "192.0.2.5");
    CHECK(penalties.refusal(ip("192.0.2.5"), at(1s)) == nullptr);
  }
  SECTION("a kind set to 0s does not count") {
    cfg::Limits limits;
    limits.per_source_penalties.grace_exceeded = 0s;
    lim::Penalties penalties(limits);
    flood(penalties, "192.0.2.5");
    CHECK(penalties.refusal(ip("192.0.2.5"), at(1s)) == nullptr);
    CHECK(penalties.tracked() == 0);
  }
}

TEST_CASE("penalties: the table is bounded; overflow permissive or deny-all", "[limits]") {
  cfg::Limits limits;
  limits.per_source_penalties.max_sources = 2;
  SECTION("permissive: the soonest to expire makes room") {
    lim::Penalties penalties(limits);
    penalties.record(ip("192.0.2.1"), Offence::no_auth, at(0s));         // goes at 1s
    penalties.record(ip("192.0.2.2"), Offence::grace_exceeded, at(0s));  // at 10s
    penalties.record(ip("192.0.2.3"), Offence::grace_exceeded, at(0s));  // pushes out .1
    CHECK(penalties.tracked() == 2);
    penalties.record(ip("192.0.2.2"), Offence::grace_exceeded, at(0s));
    CHECK(penalties.refusal(ip("192.0.2.2"), at(0s)) != nullptr);  // its history stayed
    CHECK(penalties.refusal(ip("192.0.2.4"), at(0s)) == nullptr);
    // IPv6 sources have their own table: they cannot push IPv4 ones out.
    penalties.record(ip("2001:db8::1"), Offence::grace_exceeded, at(0s));
    CHECK(penalties.tracked() == 3);
  }
  SECTION("deny-all: everyone but the exempt is refused until entries expire") {
    limits.per_source_penalties.deny_all_on_overflow = true;
    limits.per_source_penalties.exempt = {*cfg::parse_network("10.0.0.0/8")};
    lim::Penalties penalties(limits);
    penalties.record(ip("192.0.2.1"), Offence::no_auth, at(0s));  // each goes at 1s
    penalties.record(ip("192.0.2.2"), Offence::no_auth, at(0s));
    CHECK(std::string(penalties.refusal(ip("192.0.2.9"), at(0s))) == "the penalty table is full");
    penalties.record(ip("192.0.2.3"), Offence::grace_exceeded, at(0s));  // no room: not kept
    CHECK(penalties.tracked() == 2);
    CHECK(penalties.refusal(ip("10.1.2.3"), at(0s)) == nullptr);
    CHECK(penalties.refusal(ip("192.0.2.9"), at(1s)) == nullptr);  // the table emptied
  }
}

TEST_CASE("refusal log: one line per source and interval, bounded", "[limits]") {
  lim::RefusalLog log(60s, 2);
  auto a = ip("192.0.2.1"), b = ip("192.0.2.2"), c = ip("192.0.2.3");
  auto first = log.refused(a, at(0s));
  REQUIRE(first.has_value());
  CHECK((first->other_sources == false && first->refusals == 1));
  for (int i = 0; i < 300; ++i) CHECK_FALSE(log.refused(a, at(1s)).has_value());
  auto next = log.refused(a, at(60s));
  REQUIRE(next.has_value());
  CHECK(next->refusals == 301);  // the ones folded into silence, and this one
  CHECK(log.refused(b, at(61s)).has_value());
  // The table is full of sources still in their interval: a third shares the others' line.
  auto other = log.refused(c, at(62s));
  REQUIRE(other.has_value());
  CHECK(other->other_sources);
  CHECK_FALSE(log.refused(ip("192.0.2.4"), at(63s)).has_value());
  // Once a's interval is over, its place is free again.
  auto later = log.refused(c, at(125s));
  REQUIRE(later.has_value());
  CHECK_FALSE(later->other_sources);
}

TEST_CASE("admissions: penalties first, then the caps; refusals logged per source", "[limits]") {
  cfg::Limits limits;
  limits.per_source_max_startups = 2;
  lim::Admissions admissions(limits);
  auto flood = ip("127.0.0.2"), person = ip("127.0.0.1");
  CHECK(admissions.admit(flood, at(0s), 0).admitted);
  CHECK(admissions.admit(flood, at(0s), 0).admitted);
  auto refused = admissions.admit(flood, at(0s), 0);
  CHECK_FALSE(refused.admitted);
  CHECK(refused.reason == "too many unauthenticated connections from this source");
  CHECK(refused.log_source == "127.0.0.2");
  CHECK(refused.refusals == 1);
  CHECK_FALSE(admissions.admit(flood, at(1s), 0).log_source.has_value());  // said already
  CHECK(admissions.admit(person, at(1s), 0).admitted);
  CHECK(admissions.startups() == 3);

  // Both of the flood's connections time out: penalised, refused before it can count again.
  admissions.release(flood);
  CHECK_FALSE(admissions.penalise(flood, Offence::grace_exceeded, at(30s)).has_value());
  admissions.release(flood);
  auto penalty = admissions.penalise(flood, Offence::grace_exceeded, at(30s));
  REQUIRE(penalty.has_value());
  CHECK(penalty->first == "127.0.0.2");
  CHECK(penalty->second == 20s);
  auto penalised = admissions.admit(flood, at(31s), 0);
  CHECK_FALSE(penalised.admitted);
  CHECK(penalised.reason == "penalised for failed or abandoned logins");
  CHECK(admissions.startups() == 1);
  CHECK(admissions.admit(flood, at(50s), 0).admitted);
}
