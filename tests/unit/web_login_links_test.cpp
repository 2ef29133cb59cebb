// The web page's secrets, login links, session cookies and the login-link rate limiter; time is
// passed in, so expiry is tested without waiting.
#include <catch2/catch.hpp>

#include <set>

#include "web/login_links.hpp"
#include "web/secrets.hpp"

using namespace holdgate::web;
namespace st = holdgate::storage;
using namespace std::chrono_literals;

TEST_CASE("secrets: random, well formed, stored as SHA-256, compared exactly", "[web][secrets]") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string secret = new_secret();
    CHECK(well_formed_secret(secret));
    seen.insert(secret);
  }
  CHECK(seen.size() == 50);
  CHECK(secret_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string id = new_secret();
  CHECK(csrf_token(id) != secret_hash(id));
  CHECK(csrf_token(id) == csrf_token(id));
  CHECK(csrf_token(id) != csrf_token(new_secret()));
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "abcd"));
  CHECK_FALSE(same_secret("", "a"));
  CHECK_FALSE(well_formed_secret(""));
  CHECK_FALSE(well_formed_secret(std::string(43, '=')));
  CHECK_FALSE(well_formed_secret(std::string(44, 'a')));
}

TEST_CASE("login links: two minutes, single use, bound to the person", "[web][login]") {
  st::TimePoint t0{std::chrono::milliseconds(1'700'000'000'000)};
  IssuedLogin issued = issue_login("alice", t0);
  CHECK(issued.stored.person == "alice");
  CHECK(issued.stored.token_hash == secret_hash(issued.token));
  CHECK(issued.stored.token_hash.find(issued.token) == std::string::npos);
  CHECK(issued.stored.expires == t0 + 2min);
  CHECK(login_link("https://bastion.example", issued.token) ==
        "https://bastion.example/login?token=" + issued.token);

  CHECK(judge_link(issued.stored, t0 + 119s) == LinkVerdict::accepted);
  CHECK(judge_link(issued.stored, t0 + 120s) == LinkVerdict::expired);
  CHECK(judge_link(issued.stored, t0 + 1h) == LinkVerdict::expired);
  CHECK(judge_link(std::nullopt, t0) == LinkVerdict::used_or_unknown);
  CHECK(link_refusal(LinkVerdict::expired, "ssh -p 2222 approvals@b").find("expired") != std::string::npos);
  CHECK(link_refusal(LinkVerdict::used_or_unknown, "ssh -p 2222 approvals@b").find("ssh -p 2222 approvals@b web login") !=
        std::string::npos);
}

TEST_CASE("sessions: hashed id, lifetime, cookie attributes", "[web][login]") {
  st::TimePoint t0{std::chrono::milliseconds(1'700'000'000'000)};
  OpenedSession session = open_session("alice", t0, 12h);
  CHECK(session.stored.id_hash == secret_hash(session.id));
  CHECK(session.stored.expires == t0 + 12h);
  std::string cookie = session_cookie_header(session.id, 12h, true);
  CHECK(cookie == "holdgate_session=" + session.id + "; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure");
  CHECK(session_cookie_header("x", 1h, false) == "holdgate_session=x; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict");
  CHECK(cleared_cookie_header(true).find("Max-Age=0") != std::string::npos);
}

TEST_CASE("link rate limiter: per address, overall, bounded table, windows reset", "[web][ratelimit]") {
  using Clock = std::chrono::steady_clock;
  Clock::time_point t0{};
  LinkRateLimiter::Limits limits;
  limits.per_address = 3;
  limits.overall = 5;
  limits.window = 60s;
  limits.max_addresses = 2;
  LinkRateLimiter limiter(limits);
  CHECK(limiter.allow("a", t0));
  CHECK(limiter.allow("a", t0));
  CHECK(limiter.allow("a", t0));
  CHECK_FALSE(limiter.allow("a", t0 + 1s));  // per address
  CHECK(limiter.allow("b", t0 + 1s));
  CHECK(limiter.allow("b", t0 + 1s));
  CHECK_FALSE(limiter.allow("b", t0 + 2s));  // overall: 5 in the window
  CHECK(limiter.allow("a", t0 + 60500ms));        // a new window, for a and overall
  CHECK_FALSE(limiter.allow("c", t0 + 60500ms));  // the table is full of live windows (b's is live)
  CHECK(limiter.addresses() == 2);
  CHECK(limiter.allow("c", t0 + 200s));  // old windows pruned to make room
  CHECK(limiter.addresses() <= 2);
}
