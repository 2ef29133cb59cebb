// Plain, validated configuration structs. Everything downstream (policy, proxy) reads these and
// never the YAML: once load_config() has returned a Config, every reference in it resolves.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/integrations.hpp"

namespace holdgate::config {

using Duration = std::chrono::seconds;
using Labels = std::map<std::string, std::string>;

struct Address {
  std::string host;
  std::uint16_t port = 22;
};

// Matches a target's labels. Every listed label must be present; a target's value must be one of
// the listed values, and the single value "*" accepts any value. `any_target` is `targets: "*"`.
struct LabelSelector {
  bool any_target = false;
  std::map<std::string, std::vector<std::string>> labels;
};

struct AllowRule {
  std::vector<std::string> logins;  // "*" allows every login
  LabelSelector targets;
};

struct RequestPolicy {
  enum class Reason { required, optional };
  std::vector<std::string> roles;      // roles the holder may request
  std::vector<std::string> reviewers;  // suggested reviewers (user names)
  int approve = 1;                     // approvals needed
  int deny = 1;                        // denials that end the request
  Duration ttl = std::chrono::hours(1);
  Reason reason = Reason::required;
};

struct ReviewPolicy {
  std::vector<std::string> roles;  // roles whose requests the holder may review
};

struct Role {
  std::string name;
  std::vector<AllowRule> allow;
  std::optional<RequestPolicy> request;
  std::optional<ReviewPolicy> review;
  Duration max_duration = std::chrono::hours(1);
};

// One authorized_keys line, split. `blob` is the base64 key data exactly as written, which is
// what a verified client key exports to, so matching needs no crypto here.
struct AuthorizedKey {
  std::string type;  // e.g. ssh-ed25519
  std::string blob;  // base64
  std::string comment;
};

struct User {
  std::string name;
  std::vector<AuthorizedKey> keys;
  std::vector<std::string> roles;
  Labels traits;
};

struct Target {
  std::string name;
  Address address;
  Labels labels;
};

struct Upstream {
  std::filesystem::path identity;     // default: <state_dir>/upstream_ed25519 (generated)
  std::filesystem::path known_hosts;  // default: <state_dir>/known_hosts
};

// Operational limits; all optional in the file under `limits:`.
struct Limits {
  Duration login_grace = std::chrono::seconds(30);     // time to authenticate
  int max_auth_tries = 6;                              // per connection
  int max_startups = 64;                               // unauthenticated connections at once
  Duration connect_timeout = std::chrono::seconds(10); // dialing a target
  Duration shutdown_grace = std::chrono::seconds(30);  // SIGTERM: time for live sessions
  Duration keepalive_interval = std::chrono::seconds(60);  // 0 disables
  // Channels per connection (sshd: MaxSessions): each costs buffers, and on a relay a channel
  // to the target; one connection must not open thousands.
  int max_sessions = 10;  // session channels open at once on one connection
};

struct Config {
  std::filesystem::path source;  // the file this came from
  Address listen{"0.0.0.0", 2222};
  std::filesystem::path state_dir;
  std::vector<std::filesystem::path> host_keys;  // empty: <state_dir>/ssh_host_ed25519_key
  Upstream upstream;
  std::vector<Target> targets;
  std::vector<User> users;
  std::vector<Role> roles;
  Limits limits;
  Notify notify;              // `notify:` webhooks
  ApprovalSettings approvals;  // `approvals:` hooks

  const Target* find_target(std::string_view name) const;
  const User* find_user(std::string_view name) const;
  const Role* find_role(std::string_view name) const;
};

}  // namespace holdgate::config
