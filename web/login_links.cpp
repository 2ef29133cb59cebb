#include "web/login_links.hpp"

#include "web/secrets.hpp"

namespace holdgate::web {

IssuedLogin issue_login(std::string person, storage::TimePoint now) {
  IssuedLogin issued;
  issued.token = new_secret();
  issued.stored = {secret_hash(issued.token), std::move(person),
                   now + std::chrono::duration_cast<storage::TimePoint::duration>(login_link_lifetime)};
  return issued;
}

std::string login_link(std::string_view base_url, std::string_view token) {
  return std::string(base_url) + "/login?token=" + std::string(token);
}

LinkVerdict judge_link(const std::optional<storage::WebLogin>& taken, storage::TimePoint now) {
  if (!taken) return LinkVerdict::used_or_unknown;
  if (taken->expires <= now) return LinkVerdict::expired;
  return LinkVerdict::accepted;
}

std::string link_refusal(LinkVerdict verdict, std::string_view invocation) {
  std::string again = "ask for a new one with: " + std::string(invocation) + " web login";
  if (verdict == LinkVerdict::expired) return "This login link has expired; " + again;
  return "This login link has been used or is not valid; " + again;
}

OpenedSession open_session(std::string person, storage::TimePoint now, std::chrono::seconds lifetime) {
  OpenedSession session;
  session.id = new_secret();
  session.stored = {secret_hash(session.id), std::move(person), now, now + lifetime};
  return session;
}

std::string session_cookie_header(std::string_view id, std::chrono::seconds lifetime, bool secure) {
  return std::string(session_cookie) + "=" + std::string(id) + "; Path=/; Max-Age=" +
         std::to_string(lifetime.count()) + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string cleared_cookie_header(bool secure) {
  return std::string(session_cookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

bool LinkRateLimiter::take(Window& window, int limit, std::chrono::steady_clock::time_point now) const {
  if (window.count == 0 || now - window.start >= limits_.window) {
    window.start = now;
    window.count = 0;
  }
  return window.count < limit;
}

bool LinkRateLimiter::allow(const std::string& address, std::chrono::steady_clock::time_point now) {
  if (!take(overall_, limits_.overall, now)) return false;
  auto found = by_address_.find(address);
  if (found == by_address_.end()) {
    if (by_address_.size() >= limits_.max_addresses) {
      std::erase_if(by_address_, [&](const auto& entry) { return now - entry.second.start >= limits_.window; });
      if (by_address_.size() >= limits_.max_addresses) return false;
    }
    found = by_address_.emplace(address, Window{now, 0}).first;
  }
  if (!take(found->second, limits_.per_address, now)) return false;
  ++found->second.count;
  ++overall_.count;
  return true;
}

}  // namespace holdgate::web
