// Pure access decisions: who is this key, and may that person log in as LOGIN on TARGET.
// No I/O and no clock: the caller passes the current time and the person's live grants.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace holdgate::policy {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// A role held for a limited time through an approved access request.
struct Grant {
  std::string role;
  TimePoint expires;
};

struct AccessDecision;

// Proof that policy allowed one login. Only decide_login() can make one, so code that dials a
// target (which demands a LoginPermit) cannot be reached without a passed decision.
class LoginPermit {
 public:
  const std::string& person() const { return person_; }
  const std::string& login() const { return login_; }
  const config::Target& target() const { return *target_; }
  const std::string& role() const { return role_; }  // the role whose rule matched
  // When the login stops being allowed (a grant's expiry); nullopt for standing roles.
  const std::optional<TimePoint>& expires() const { return expires_; }

 private:
  friend AccessDecision decide_login(const config::Config&, const config::User&, std::string_view,
                                     const config::Target&, std::span<const Grant>, TimePoint);
  LoginPermit() = default;
  std::string person_, login_, role_;
  const config::Target* target_ = nullptr;
  std::optional<TimePoint> expires_;
};

struct AccessDecision {
  std::optional<LoginPermit> permit;  // set when allowed
  std::string reason;                 // why, in one sentence (for logs and the user)
  bool allowed() const { return permit.has_value(); }
};

// True when the labels satisfy the selector (see config::LabelSelector).
bool selector_matches(const config::LabelSelector& selector, const config::Labels& labels);

// True when any rule of the role allows `login` on `target`.
bool role_allows(const config::Role& role, std::string_view login, const config::Target& target);

// The user whose authorized keys include this key (type + base64 blob), or nullptr.
const config::User* find_user_by_key(const config::Config& config, std::string_view key_type,
                                     std::string_view key_blob);

// May `user` log in as `login` on `target` at `now`? Standing roles come from the config;
// grants add roles until they expire. Prefers a standing role over a grant.
AccessDecision decide_login(const config::Config& config, const config::User& user,
                            std::string_view login, const config::Target& target,
                            std::span<const Grant> grants, TimePoint now);

}  // namespace holdgate::policy
