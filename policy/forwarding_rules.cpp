#include "policy/forwarding_rules.hpp"

#include <algorithm>
#include <string>

#include "policy/match.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::policy {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool rule_allows(const config::AllowRule& rule, std::string_view login, const config::Target& target) {
  bool login_listed = std::any_of(rule.logins.begin(), rule.logins.end(),
                                  [&](const std::string& l) { return l == "*" || l == login; });
  return login_listed && selector_matches(rule.targets, target.labels);
}

void add(config::Forwarding& into, const config::Forwarding& from) {
  into.local.insert(into.local.end(), from.local.begin(), from.local.end());
  into.remote = into.remote || from.remote;
  into.agent = into.agent || from.agent;
}

// Longest host a destination may have in a log line: DNS names stop at 253.
constexpr std::size_t max_logged_host = 255;

}  // namespace

config::Forwarding forwarding_for(const config::Role& role, std::string_view login,
                                  const config::Target& target) {
  config::Forwarding result;
  for (const auto& rule : role.allow) {
    if (!rule_allows(rule, login, target)) continue;
    if (rule.forwarding) {
      add(result, *rule.forwarding);
    } else if (role.forwarding) {
      add(result, *role.forwarding);
    }
  }
  return result;
}

bool glob_matches(std::string_view pattern, std::string_view text) {
  // Iterative wildcard matching with one backtrack point: linear in practice, never exponential.
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool local_destination_allowed(const config::Forwarding& forwarding, std::string_view host, int port) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || port < 0 || port > 65535) return false;
  return std::any_of(forwarding.local.begin(), forwarding.local.end(), [&](const config::HostPortPattern& p) {
    return (!p.port || *p.port == port) && glob_matches(p.host, host);
  });
}

std::string describe_destination(std::string_view host, int port) {
  std::string shown = sanitize(host.substr(0, max_logged_host));
  if (host.size() > max_logged_host) shown += "...";
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  return shown + ":" + std::to_string(port);
}

}  // namespace holdgate::policy
