// Pure access decisions: who is this key, and may that person log in as LOGIN on TARGET.
// No I/O and no clock: the caller passes the current time and the person's live grants.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "policy/match.hpp"  // selector_matches, role_allows

namespace holdgate::policy {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// A role held for a limited time through an approved access request. A scoped grant (target set)
// allows only `login` on `target`, and only while the role still allows that; a role-wide grant
// (login and target empty) allows whatever the role allows.
struct Grant {
  std::string role;
  TimePoint expires;  // exclusive: at `expires` the grant no longer counts
  std::string login = {}, target = {};
  // `grant: {uses: N}` (issue 12, section 3): a grant with uses_left 0 allows no new login; it
  // still counts for a session already running (the caller leaves uses_left unset then).
  std::string request_id = {};
  std::optional<int> uses = {}, uses_left = {};
};

// Whether `grant` covers `login` on `target` under its role (`role` must be the grant's role).
bool grant_covers(const Grant& grant, const config::Role& role, std::string_view login,
                  const config::Target& target);

struct AccessDecision;

// Proof that policy allowed one login. Only decide_login() can make one (the constructor is
// private), so code that dials a target, which demands a LoginPermit, cannot be reached without a
// passed decision. Copying an existing permit is fine. It points at the config's Target, so the
// Config must outlive it.
class LoginPermit {
 public:
  const std::string& person() const { return person_; }
  const std::string& login() const { return login_; }
  const config::Target& target() const { return *target_; }
  const std::string& role() const { return role_; }  // the role whose rule matched
  // When the login stops being allowed (a grant's expiry); nullopt for standing roles.
  const std::optional<TimePoint>& expires() const { return expires_; }
  // The request whose grant allowed it; empty for standing roles.
  const std::string& request_id() const { return request_id_; }

 private:
  friend AccessDecision decide_login(const config::Config& config, const config::User& user,
                                     std::string_view login, const config::Target& target,
                                     std::span<const Grant> grants, TimePoint now);
  LoginPermit(std::string person, std::string login, const config::Target& target,
              std::string role, std::optional<TimePoint> expires, std::string request_id = {})
      : person_(std::move(person)),
        login_(std::move(login)),
        role_(std::move(role)),
        request_id_(std::move(request_id)),
        target_(&target),
        expires_(expires) {}

  std::string person_, login_, role_, request_id_;
  const config::Target* target_;
  std::optional<TimePoint> expires_;
};

struct AccessDecision {
  std::optional<LoginPermit> permit;  // set when allowed
  // Why, in one sentence (for logs and the user): "allowed by role dba", "allowed by role dba
  // (granted)" (the caller may add permit->expires() in its own format), or
  // "bob may not log in as root on db-1".
  std::string reason;
  // Denied only because grants that would allow it have no uses left; `reason` then says so
  // ("the access granted by request ID has been used (it allowed 1 login)").
  bool used_up = false;
  bool allowed() const { return permit.has_value(); }
};

// The user whose authorized keys include this key (exact type and base64 blob), or nullptr.
// The config loader keeps keys unique across users; were one shared, the first user wins.
const config::User* find_user_by_key(const config::Config& config, std::string_view key_type,
                                     std::string_view key_blob);

// May `user` log in as `login` on `target` at `now`? Standing roles come from user.roles; each
// grant adds its role (or, when scoped, its one login on its one target) while now < expires. The first standing role that allows wins (permit
// without expiry); otherwise the allowing grant with the latest expiry (permit expires then;
// on a tie the earlier grant in `grants`). A grant with uses_left 0 allows nothing.
// Role names the config does not define are skipped. `target` must be one of config.targets.
AccessDecision decide_login(const config::Config& config, const config::User& user,
                            std::string_view login, const config::Target& target,
                            std::span<const Grant> grants, TimePoint now);

}  // namespace holdgate::policy
