// One-time login links (`ssh approvals@bastion web login`) and the sessions they open: what is
// made, what is stored (hashes only), and when a link is refused. Pure, with time passed in;
// the store calls are the caller's (on the storage worker).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "storage/records.hpp"

namespace holdgate::web {

inline constexpr auto login_link_lifetime = std::chrono::minutes(2);
inline constexpr std::string_view session_cookie = "holdgate_session";

struct IssuedLogin {
  std::string token;        // goes into the link, shown once, never stored
  storage::WebLogin stored;  // its hash, the person, the expiry
};
IssuedLogin issue_login(std::string person, storage::TimePoint now);
// "URL/login?token=TOKEN"
std::string login_link(std::string_view base_url, std::string_view token);

// What opening a link found: taken = what store.take_web_login gave back.
enum class LinkVerdict { accepted, used_or_unknown, expired };
LinkVerdict judge_link(const std::optional<storage::WebLogin>& taken, storage::TimePoint now);
// One sentence for a refused link, with how to get another.
std::string link_refusal(LinkVerdict verdict, std::string_view invocation);

struct OpenedSession {
  std::string id;  // the cookie's value, never stored
  storage::WebSession stored;
};
OpenedSession open_session(std::string person, storage::TimePoint now,
                           std::chrono::seconds lifetime);

// The Set-Cookie value for a new session (HttpOnly; SameSite=Strict; Path=/; Max-Age), with
// Secure unless `secure` is false (plain HTTP on loopback only: a browser drops a Secure cookie
// over http://), and the one that removes it.
std::string session_cookie_header(std::string_view id, std::chrono::seconds lifetime, bool secure);
std::string cleared_cookie_header(bool secure);

// Bounds how fast login links are tried: per client address and overall, each a fixed window.
// The table of addresses is bounded: when it is full of addresses still in their window, a new
// address is refused (as a flood of addresses is itself the attack).
class LinkRateLimiter {
 public:
  struct Limits {
    int per_address = 10;  // per window
    int overall = 100;     // per window, all addresses together
    std::chrono::seconds window = std::chrono::minutes(1);
    std::size_t max_addresses = 1024;
  };
  LinkRateLimiter() : LinkRateLimiter(Limits{}) {}
  explicit LinkRateLimiter(Limits limits) : limits_(limits) {}
  // Counts one try from `address` at `now`; false when it is over a limit (not counted then).
  bool allow(const std::string& address, std::chrono::steady_clock::time_point now);
  std::size_t addresses() const { return by_address_.size(); }

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    int count = 0;
  };
  bool take(Window& window, int limit, std::chrono::steady_clock::time_point now) const;
  Limits limits_;
  Window overall_;
  std::map<std::string, Window, std::less<>> by_address_;
};

}  // namespace holdgate::web
