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
#include "config/network.hpp"

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

// Session recording (issue 13): what a session's channels leave behind. `pty`: interactive
// sessions as asciicast v2 files, exec/subsystem channels as audit events (command line, exit
// status, bytes); `all`: exec/subsystem output to .cast files as well; `none`: audit events only.
enum class RecordingMode { pty, all, none };

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
  // Scoped requests (issue 12): `scope: resource` offers these roles only for one login on one
  // target (an inline request, or request create --login --target); `scope: role` (the default)
  // also lets the whole role be requested.
  enum class Scope { role, resource };
  Scope scope = Scope::role;
  // Hooks that must answer first (issue 12, section 5): `hooks: required` holds approvals of
  // these requests until every approval hook has answered (a failed or timed-out hook answers
  // `none`); `hooks: beside` (the default) lets them run beside the reviewers.
  enum class Hooks { beside, required };
  Hooks hooks = Hooks::beside;
  // Break-glass (issue 12, section 4): `break_glass: true` makes these roles a way in at once,
  // without reviewers, for one login on one target, after a reason and the typed target name.
  // The grant lasts `break_glass_duration`; the roles' reviewers must ratify it (their usual
  // approvals) within `ratify_within`, or the person is locked.
  bool break_glass = false;
  Duration break_glass_duration = std::chrono::minutes(30);
  Duration ratify_within = std::chrono::hours(24);
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
  // `audit: true`: holders see every request and the whole audit trail (everyone's logins);
  // everyone else sees their own, those they may review, and their own logins.
  bool audit = false;
  // `admin: true` (taking access back): holders may revoke any approved request and create,
  // list and remove locks.
  bool admin = false;
  // `grant:` (issue 12, section 3): how an approved request for this role ends besides its
  // max_duration. until_session_end: with the first session that logs in with it (for an inline
  // request, the one that waited); uses: how many logins it allows (0: no limit).
  struct GrantTerms {
    bool until_session_end = false;
    int uses = 0;
  };
  GrantTerms grant{};
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

// Per-source penalties, like sshd 9.8's PerSourcePenalties: a source whose connections fail
// authentication or never finish it accrues refusal time, refused once it passes `min`.
struct PenaltyLimits {
  bool enabled = true;                                  // `per_source_penalties: off` clears it
  Duration authfail = std::chrono::seconds(5);          // failed authentication, then gone
  Duration noauth = std::chrono::seconds(1);            // gone without trying to authenticate
  Duration grace_exceeded = std::chrono::seconds(10);   // still not authenticated at login_grace
  Duration max = std::chrono::minutes(10);              // longest refusal
  Duration min = std::chrono::seconds(15);              // accrued time before refusals start
  int max_sources = 65536;                              // tracked sources, per address family
  bool deny_all_on_overflow = false;                    // `overflow: deny-all` (else permissive)
  std::vector<Network> exempt;                          // never penalised
};

// "at most `count` per `per`", e.g. `request_rate: 20/1h`.
struct Rate {
  int count = 1;
  Duration per = std::chrono::hours(1);
};

// Operational limits; all optional in the file under `limits:`.
struct Limits {
  Duration login_grace = std::chrono::seconds(30);     // time to authenticate
  int max_auth_tries = 6;                              // per connection
  int max_startups = 100;  // unauthenticated connections at once: "full" of start:rate:full
  Duration connect_timeout = std::chrono::seconds(10); // dialing a target
  Duration shutdown_grace = std::chrono::seconds(30);  // SIGTERM: time for live sessions
  Duration keepalive_interval = std::chrono::seconds(60);  // 0 disables

  // Start-ups by source (limits/), as sshd's MaxStartups start:rate:full, PerSourceMaxStartups,
  // PerSourceNetBlockSize and PerSourcePenalties; and ProxyJump inner start-ups per connection.
  int max_startups_begin = 10;  // from this many on, refuse new ones at random ...
  int max_startups_rate = 30;   // ... with this percent chance, rising to 100 at max_startups
  int per_source_max_startups = 8;  // from one source (net block); 0: no per-source cap
  int per_source_prefix_v4 = 32;    // addresses grouped into one source: /32 and /128 by
  int per_source_prefix_v6 = 128;   // default, e.g. 24 and 64 for a /24 and a /64
  PenaltyLimits per_source_penalties;
  int max_jump_startups = 10;  // ProxyJump inner connections in handshake on one connection

  // Request spam: how much one person's requests may cost reviewers and integrations.
  int max_pending_requests = 10;                      // per person, PENDING at once
  Rate request_rate{20, std::chrono::hours(1)};       // requests one person may create
  int max_hook_processes = 8;                         // approval hook programs running at once

  // Channels per connection (sshd: MaxSessions): each costs buffers, and on a relay a channel
  // to the target; one connection must not open thousands.
  int max_sessions = 10;  // session channels open at once on one connection
};

// The top-level `recording:` block (issue 13); everything optional.
struct RecordingSettings {
  RecordingMode mode = RecordingMode::pty;
  bool input = false;               // `input: true` also records what the user types ("i")
  std::filesystem::path dir;        // default: <state_dir>/recordings
  std::uint64_t max_bytes = 1ull << 30;  // per recording; past it, a marker and no more
  // retention: recordings older than `days` (0: kept) are deleted, then the oldest while all
  // of them together are over `total_bytes` (0: no cap). Checked at start and hourly.
  int retention_days = 0;
  std::uint64_t retention_total_bytes = 0;
  // Read from `recording:` in a target or role: the target's mode wins over the role's, the
  // role's over `mode` above. `record_required: true` on a role refuses a session whose
  // recording cannot be created and ends one whose recording can no longer be written.
  std::map<std::string, RecordingMode> target_modes, role_modes;
  std::vector<std::string> required_roles;
};

// `audit:` signed checkpoints of the audit hash chain (issue 13, section 3): holdgate signs the
// newest event's id and hash after this many new events, or this long after the last one when
// anything was added since. 0 turns that trigger off.
struct AuditSettings {
  int checkpoint_every = 1000;
  Duration checkpoint_interval = std::chrono::minutes(10);
};

// `proxy_protocol:` (issue 14, section 4): load balancers in front of holdgate. A connection
// from one of these networks must begin with a PROXY protocol header (v1 or v2), and then counts
// in limits, logs and the audit trail as the client the header names; a connection from
// anywhere else is plain SSH, so its header would not be trusted, only refused as bad SSH.
struct ProxyProtocol {
  std::vector<Network> from;  // empty: no load balancer, every connection is plain SSH
};

// `storage:` where requests, grants, locks and the audit trail live (issue 14). Nothing set:
// SQLite at <state_dir>/holdgate.db. `postgres`: a libpq DSN (URI or key=value);
// `postgres_file`: a file holding the DSN (with its password), mode 0600 or 0640, read when the
// store opens. At most one of the two.
struct StorageConfig {
  std::string postgres;
  std::filesystem::path postgres_file;
  // For benchmarks and tests only: every storage call sleeps this long first (a slow or distant
  // database), on the storage worker's thread. 0 = off.
  std::chrono::milliseconds debug_latency{0};
};

// `metrics:` Prometheus metrics, plain HTTP at /metrics (issue 15). Off when absent.
struct MetricsSettings {
  std::optional<Address> listen;  // `metrics: {listen: 127.0.0.1:9312}`
};

// `web:` the reviewer web page (issue 17; web/http_server.hpp). Off when absent. HTTPS with
// `tls`; without it, plain HTTP, allowed on a loopback address only (behind a local TLS proxy
// or for a laptop), refused at load otherwise.
struct WebSettings {
  std::optional<Address> listen;  // `web: {listen: 127.0.0.1:8443}`
  std::filesystem::path tls_cert;  // `tls: {cert: FILE, key: FILE}`; both or neither
  std::filesystem::path tls_key;
  // What links start with (login links, webhook links), never the Host header. Default:
  // derived from listen ("https://HOST:PORT", or http:// without tls). No trailing slash.
  std::string url;
  Duration session_lifetime = std::chrono::hours(12);
  bool tls() const { return !tls_cert.empty(); }
};

// `keys_command:` (issue 15, section 4): a program that prints a configured user's
// authorized_keys lines, like sshd's AuthorizedKeysCommand (e.g. sss_ssh_authorizedkeys %u).
// Run without a shell: `argv` is the command split into words, argv[0] an absolute path, with
// the tokens %u (the holdgate user name) and %% left for config/keys_command.hpp to expand.
struct KeysCommand {
  std::string command;            // as written; empty: no keys_command
  std::vector<std::string> argv;  // split, tokens not yet expanded
  Duration timeout = std::chrono::seconds(5);  // per run; past it the run counts as "no key"
  Duration cache = std::chrono::minutes(5);    // how long an answer is used before it is re-run
  int max_processes = 4;                       // runs at once
};

struct Config {
  std::filesystem::path source;  // the file this came from
  Address listen{"0.0.0.0", 2222};
  ProxyProtocol proxy_protocol;  // `proxy_protocol:` load balancers that send a PROXY header
  std::filesystem::path state_dir;
  std::vector<std::filesystem::path> host_keys;  // empty: <state_dir>/ssh_host_ed25519_key
  Upstream upstream;
  std::vector<Target> targets;
  std::vector<User> users;
  std::vector<Role> roles;
  Limits limits;
  Notify notify;              // `notify:` webhooks
  ApprovalSettings approvals;  // `approvals:` hooks
  RecordingSettings recording;  // `recording:` (issue 13)
  // audit trail (issue 13, section 3)
  AuditSettings audit;  // `audit:` checkpoints
  StorageConfig storage;  // `storage:` (issue 14)
  MetricsSettings metrics;  // `metrics:` (issue 15)
  KeysCommand keys_command;  // `keys_command:` (issue 15)
  WebSettings web;  // `web:` (issue 17)

  const Target* find_target(std::string_view name) const;
  const User* find_user(std::string_view name) const;
  const Role* find_role(std::string_view name) const;
};

}  // namespace holdgate::config
