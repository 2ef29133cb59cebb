// Config errors: one table row per kind of mistake, each with its exact message and 1-based
// line:column. Every row's file has exactly one mistake, so each must yield exactly one error.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "config/load.hpp"

namespace cfg = holdgate::config;
namespace fs = std::filesystem;

namespace {

struct ErrorRow {
  std::string yaml;
  std::string message;
  int line;
  int column;
};

// Most rows need a role to refer to and a user or role to put the mistake in.
const std::string kHead = "state_dir: /s\n";
const std::string kDevRole =  // the mistake goes on line 4, in role "dev"
    "state_dir: /s\n"
    "roles:\n"
    "  - name: dev\n";
const std::string kBob =  // the mistake goes on line 4, in user "bob"
    "state_dir: /s\n"
    "users:\n"
    "  - name: bob\n";
const std::string kAllow =  // the mistake goes on line 5, in roles[0].allow[0]
    kDevRole + "    allow:\n";

const std::string kSupportedKeyTypes =
    "ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, "
    "sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com";

const std::vector<ErrorRow> error_rows = {
    // unknown keys, with a suggestion when one is close
    {kHead + "lisen: 0.0.0.0:22\n", "unknown top-level key 'lisen' (did you mean 'listen'?)", 2, 1},
    {kHead + "frobnicate: 1\n",
     "unknown top-level key 'frobnicate' (expected one of: listen, state_dir, host_keys, upstream, "
     "targets, users, roles, limits, notify, approvals, recording, audit, proxy_protocol, storage, "
     "metrics, keys_command, web)",
     2, 1},
    // storage: one backend
    {kHead + "storage:\n  postgress: x\n",
     "unknown key 'postgress' in storage (did you mean 'postgres'?)", 3, 3},
    {kHead + "storage:\n  postgres: postgresql://db/h\n  postgres_file: /f\n",
     "storage.postgres_file: give either postgres or postgres_file, not both", 4, 18},
    // audit: checkpoints
    {kHead + "audit:\n  checkpoint_evry: 10\n",
     "unknown key 'checkpoint_evry' in audit (did you mean 'checkpoint_every'?)", 3, 3},
    {kHead + "audit:\n  checkpoint_every: -1\n",
     "audit.checkpoint_every: must be at least 0, not -1", 3, 21},
    {kBob + "    rolse: []\n", "unknown key 'rolse' in users[0] (did you mean 'roles'?)", 4, 5},
    {kDevRole + "    request: {roles: [dev], aprove: 2}\n",
     "unknown key 'aprove' in roles[0].request (did you mean 'approve'?)", 4, 29},
    {kHead + "limits:\n  login_grase: 10s\n",
     "unknown key 'login_grase' in limits (did you mean 'login_grace'?)", 3, 3},
    {kHead + "upstream:\n  identiy: /k\n",
     "unknown key 'identiy' in upstream (did you mean 'identity'?)", 3, 3},
    // the misspelt required key is not reported a second time as missing
    {kAllow + "      - login: [x]\n        targets: '*'\n",
     "unknown key 'login' in roles[0].allow[0] (did you mean 'logins'?)", 5, 9},
    {kHead + "state_dir: /t\n", "duplicate key 'state_dir' (first at line 1)", 2, 1},
    {kHead + "limits:\n  max_startups: 1\n  max_startups: 2\n",
     "limits: duplicate key 'max_startups' (first at line 3)", 4, 3},
    {kHead + "limits:\n  per_source_penalties: {authfal: 5s}\n",
     "unknown key 'authfal' in limits.per_source_penalties (did you mean 'authfail'?)", 3, 26},

    // wrong node types and empty values
    {"- state_dir\n", "expected a mapping of settings at the top level, found a list", 1, 1},
    {kHead + "users: {bob: x}\n", "users: expected a list, found a mapping", 2, 8},
    {kHead + "roles: [dev]\n", "roles[0]: expected a mapping, found 'dev'", 2, 9},
    {kHead + "targets:\n  - name: a\n    address: h\n    labels: [x]\n",
     "targets[0].labels: expected a mapping, found a list", 5, 13},
    {"state_dir: [a]\n", "state_dir: expected a single value, found a list", 1, 12},
    {"state_dir:\n", "state_dir: missing value", 1, 1},
    {"state_dir: ''\n", "state_dir: must not be empty", 1, 12},
    {kBob + "    keys: [{a: b}]\n", "users[0].keys[0]: expected a single value, found a mapping", 4,
     12},
    {kBob + "    traits: {team: [a]}\n",
     "users[0].traits.team: expected a single value, found a list", 4, 20},
    {kDevRole + "    request: [dev]\n", "roles[0].request: expected a mapping, found a list", 4,
     14},

    // required keys
    {"listen: 0.0.0.0:22\n", "missing required key 'state_dir'", 1, 1},
    {"", "missing required key 'state_dir'", 0, 0},
    {kHead + "targets:\n  - name: db-1\n", "targets[0]: missing required key 'address'", 3, 5},
    {kHead + "users:\n  - keys: []\n", "users[0]: missing required key 'name'", 3, 5},
    {kAllow + "      - logins: [x]\n", "roles[0].allow[0]: missing required key 'targets'", 5, 9},
    {kDevRole + "    request: {approve: 1}\n", "roles[0].request: missing required key 'roles'", 4,
     14},
    {kDevRole + "    request: {roles: []}\n", "roles[0].request.roles: must list at least one role",
     4, 22},
    {kDevRole + "    review:\n      roles:\n", "roles[0].review.roles: must list at least one role",
     5, 7},

    // durations and numbers
    {kDevRole + "    max_duration: 1x\n",
     "roles[0].max_duration: '1x' is not a duration; write a whole number and a unit (s, m, h or "
     "d), e.g. 30s or 8h",
     4, 19},
    {kDevRole + "    max_duration: 0m\n", "roles[0].max_duration: must be longer than 0s", 4, 19},
    {kDevRole + "    request:\n      roles: [dev]\n      ttl: 0s\n",
     "roles[0].request.ttl: must be longer than 0s", 6, 12},
    {kHead + "limits: {login_grace: 0s}\n", "limits.login_grace: must be longer than 0s", 2, 23},
    {kHead + "limits:\n  max_auth_tries: 0\n", "limits.max_auth_tries: must be at least 1, not 0",
     3, 19},
    {kHead + "limits:\n  max_startups: 10:30\n",
     "limits.max_startups: '10:30' is not a number or start:rate:full (e.g. 10:30:100)", 3, 17},
    {kHead + "limits:\n  max_startups: 20:30:10\n",
     "limits.max_startups: start (20) must not be above full (10)", 3, 17},
    {kHead + "limits:\n  max_startups: 10:0:100\n",
     "limits.max_startups: rate must be a percentage from 1 to 100, not 0", 3, 17},
    {kHead + "limits:\n  max_startups: 0\n", "limits.max_startups: must be at least 1, not 0", 3, 17},
    {kHead + "limits:\n  per_source_max_startups: 0\n",
     "limits.per_source_max_startups: must be at least 1, not 0", 3, 28},
    {kHead + "limits:\n  per_source_net_block_size: 33\n",
     "limits.per_source_net_block_size: '33' is not a prefix length, or IPv4:IPv6 prefix lengths "
     "(e.g. 24:64)",
     3, 30},
    {kHead + "limits:\n  per_source_penalties: on\n",
     "limits.per_source_penalties: expected a mapping or 'off', found 'on'", 3, 25},
    {kHead + "limits:\n  per_source_penalties: {exempt: [10.0.0/8]}\n",
     "limits.per_source_penalties.exempt[0]: '10.0.0/8' is not an IP address or network (e.g. "
     "192.0.2.0/24 or 2001:db8::/32)",
     3, 35},
    {kHead + "limits:\n  per_source_penalties:\n    overflow: maybe\n",
     "limits.per_source_penalties.overflow: expected permissive or deny-all, not 'maybe'", 4, 15},
    {kDevRole + "    request: {roles: [dev], approve: two}\n",
     "roles[0].request.approve: 'two' is not a whole number", 4, 38},
    {kDevRole + "    request: {roles: [dev], deny: 0}\n",
     "roles[0].request.deny: must be at least 1, not 0", 4, 35},
    {kDevRole + "    audit: yes\n", "roles[0].audit: must be true or false, not 'yes'", 4, 12},
    {kDevRole + "    admin: yes\n", "roles[0].admin: must be true or false, not 'yes'", 4, 12},
    {kDevRole + "    request: {roles: [dev], reason: maybe}\n",
     "roles[0].request.reason: must be 'required' or 'optional', not 'maybe'", 4, 37},
    {kDevRole + "    request: {roles: [dev], scope: login}\n",
     "roles[0].request.scope: must be 'role' or 'resource', not 'login'", 4, 36},
    {kDevRole + "    request: {roles: [dev], break_glass: maybe}\n",
     "roles[0].request.break_glass: must be true or false, not 'maybe'", 4, 42},
    {kDevRole + "    request:\n      roles: [dev]\n      ratify_within: 0s\n",
     "roles[0].request.ratify_within: must be longer than 0s", 6, 22},
    {kDevRole + "    request:\n      roles: [dev]\n      break_glass_duration: soon\n",
     "roles[0].request.break_glass_duration: 'soon' is not a duration; write a whole number and "
     "a unit (s, m, h or d), e.g. 30s or 8h",
     6, 29},
    {kDevRole + "    grant: {uses: 0}\n", "roles[0].grant.uses: must be at least 1, not 0", 4, 19},
    {kDevRole + "    grant: {uses: -2}\n", "roles[0].grant.uses: must be at least 1, not -2", 4, 19},
    {kDevRole + "    grant: {until: logout}\n",
     "roles[0].grant.until: must be 'session-end', not 'logout'", 4, 20},
    {kDevRole + "    grant: {uses: 1, forever: true}\n",
     "unknown key 'forever' in roles[0].grant (expected one of: until, uses)", 4, 22},

    // load balancers that send a PROXY protocol header
    {kHead + "proxy_protocol: {from: [10.0.0.0/8, 10.1.2]}\n",
     "proxy_protocol.from[1]: '10.1.2' is not an IP address or network (e.g. 192.0.2.0/24 or "
     "2001:db8::/32)",
     2, 37},
    {kHead + "proxy_protocol: {from: []}\n",
     "proxy_protocol.from: must list at least one load balancer's address or network", 2, 24},
    {kHead + "proxy_protocol: {}\n", "proxy_protocol: missing required key 'from'", 2, 17},
    {kHead + "proxy_protocol: {form: [10.0.0.1]}\n",
     "unknown key 'form' in proxy_protocol (did you mean 'from'?)", 2, 18},
    {kHead + "proxy_protocol: {from: 10.0.0.1}\n",
     "proxy_protocol.from: expected a list, found '10.0.0.1'", 2, 24},

    // addresses
    {kHead + "targets:\n  - name: db-1\n    address: 10.0.0.5:99999\n",
     "targets[0].address: invalid address '10.0.0.5:99999': port '99999' is not a number from 1 "
     "to 65535",
     4, 14},
    {kHead + "listen: ':22'\n", "listen: invalid address ':22': the host is missing", 2, 9},
    {kHead + "listen: '::1:2222'\n",
     "listen: invalid address '::1:2222': write IPv6 addresses in brackets, e.g. [::1]:22", 2, 9},

    // role references, checked after the whole file (roles may come after their users)
    {kBob + "    roles: [dev, dbx]\nroles:\n  - name: dev\n  - name: dba\n",
     "users[0].roles: unknown role 'dbx' (did you mean 'dba'?)", 4, 18},
    {kDevRole + "    request: {roles: [root]}\n", "roles[0].request.roles: unknown role 'root'", 4,
     23},
    {kHead + "roles:\n  - name: dba-reviewer\n    review:\n      roles: [dba]\n",
     "roles[0].review.roles: unknown role 'dba'", 5, 15},

    // names
    {kHead + "targets:\n  - name: a\n    address: h\n  - name: a\n    address: h\n",
     "targets[1].name: duplicate target name 'a' (first defined at line 3)", 5, 11},
    {kBob + "  - name: bob\n", "users[1].name: duplicate user name 'bob' (first defined at line 3)",
     4, 11},
    {kDevRole + "  - name: dev\n",
     "roles[1].name: duplicate role name 'dev' (first defined at line 3)", 4, 11},
    {kHead + "users:\n  - name: bo b\n",
     "users[0].name: 'bo b' is not a valid user name; use only letters, digits, '.', '_' and '-'",
     3, 11},
    {kHead + "roles:\n  - name: 'dev!'\n",
     "roles[0].name: 'dev!' is not a valid role name; use only letters, digits, '.', '_' and '-'",
     3, 11},
    {kHead + "targets:\n  - name: db@1\n    address: h\n",
     "targets[0].name: target name 'db@1' must not contain '@' (it separates login and target)", 3,
     11},
    {kHead + "users:\n  - name: approvals\n",
     "users[0].name: the user name 'approvals' is reserved", 3, 11},
    {kHead + "users:\n  - name: ''\n", "users[0].name: must not be empty", 3, 11},

    // authorized keys
    {kBob + "    keys:\n      - from=\"10.0.0.1\" ssh-ed25519 AAAAC3NzaC1 bob\n",
     "users[0].keys[0]: key options are not supported; the line must start with the key type", 5,
     9},
    {kBob + "    keys:\n      - no-pty ssh-ed25519 AAAAC3NzaC1\n",
     "users[0].keys[0]: key options are not supported; the line must start with the key type", 5,
     9},
    {kBob + "    keys:\n      - no-pty,restrict ssh-dss AAAAB3NzaC1kc3M\n",
     "users[0].keys[0]: key options are not supported; the line must start with the key type", 5,
     9},
    {kBob + "    keys:\n      - ssh-dss AAAAB3NzaC1kc3M\n",
     "users[0].keys[0]: unknown key type 'ssh-dss' (supported: " + kSupportedKeyTypes + ")", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519\n",
     "users[0].keys[0]: the key data is missing after 'ssh-ed25519'", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519 bob@laptop\n",
     "users[0].keys[0]: the key data 'bob@laptop' is not base64", 5, 9},
    {kBob + "    keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd]\n"
            "  - name: eve\n"
            "    keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd eve]\n",
     "users[1].keys[0]: this key already belongs to user 'bob' (line 4)", 6, 12},

    // key data that could never match a client's key: refused at load, not silently unused
    {kBob + "    keys:\n      - ssh-ed25519 AAAAC3Nz... bob@laptop\n",
     "users[0].keys[0]: the key data 'AAAAC3Nz...' is not base64", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519 AAAAC3NzaC1\n",
     "users[0].keys[0]: the key data is not valid base64 (truncated or damaged?)", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0b\n",
     "users[0].keys[0]: the key data does not hold a complete ssh-ed25519 key (truncated or "
     "damaged?)", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP\n",
     "users[0].keys[0]: the key data does not hold a complete ssh-ed25519 key (truncated or "
     "damaged?)", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgdAAAAAA==\n",  // trailing bytes
     "users[0].keys[0]: the key data does not hold a complete ssh-ed25519 key (truncated or "
     "damaged?)", 5, 9},
    {kBob + "    keys:\n      - ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd bob\n",
     "users[0].keys[0]: the key data holds a 'ssh-ed25519' key, not 'ssh-rsa'", 5, 9},
    {kBob + "    keys:\n      - ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAzODQAAABBBJ3wK4RPbwjyhoKoNdUKnUKq9M52p91KCfvkMdfF734J9p+3vH+BPCH5OGkr4eWf1eu9xZ2VdZDyui3vqC3ZJdE=\n",  // curve named nistp384
     "users[0].keys[0]: the key data does not hold a complete ecdsa-sha2-nistp256 key (truncated "
     "or damaged?)", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519 AAAA\n",
     "users[0].keys[0]: the key data does not hold a ssh-ed25519 key", 5, 9},
    {kBob + "    keys:\n      - ssh-ed25519 AA=AAAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd\n",
     "users[0].keys[0]: the key data is not valid base64 (truncated or damaged?)", 5, 9},

    // selectors and logins
    {kAllow + "      - logins: [ubuntu]\n        targets: {}\n",
     "roles[0].allow[0].targets: an empty selector matches no target; use \"*\" for every target",
     6, 18},
    {kAllow + "      - logins: [ubuntu]\n        targets: all\n",
     "roles[0].allow[0].targets: expected \"*\" or a mapping of labels, found 'all'", 6, 18},
    {kAllow + "      - logins: [ubuntu]\n        targets: {env: []}\n",
     "roles[0].allow[0].targets.env: must list at least one value", 6, 24},
    {kAllow + "      - logins: []\n        targets: '*'\n",
     "roles[0].allow[0].logins: must list at least one login (\"*\" allows any)", 5, 17},
    {kAllow + "      - logins: ['ro ot']\n        targets: '*'\n",
     "roles[0].allow[0].logins[0]: 'ro ot' is not a valid login (no spaces or control characters)",
     5, 18},

    // YAML syntax, positioned by yaml-cpp
    {kHead + "users: [bob,\n", "invalid YAML: end of sequence flow not found", 3, 1},
    {kHead + "users:\n  - name: bob\n roles: []\n", "invalid YAML: end of map not found", 4, 2},
    // yaml-cpp places this one just after the '*'
    {kHead + "listen: *\n", "invalid YAML: alias not found after *", 2, 10},
};

}  // namespace

TEST_CASE("each kind of mistake gives one error with its exact message and position", "[config]") {
  auto row = GENERATE(from_range(error_rows));
  INFO("yaml:\n" << row.yaml);
  auto result = cfg::parse_config(row.yaml, "t.yaml");
  for (const auto& e : result.errors) UNSCOPED_INFO(e.to_string());
  CHECK_FALSE(result.config.has_value());
  REQUIRE(result.errors.size() == 1);
  const auto& error = result.errors[0];
  CHECK(error.message == row.message);
  CHECK(error.line == row.line);
  CHECK(error.column == row.column);
  CHECK(error.file == "t.yaml");
}

TEST_CASE("all errors are collected, in file order", "[config]") {
  // The unknown role (line 4) is found only after the roles are read, yet it comes first.
  auto result = cfg::parse_config(
      "state_dir: /s\n"               // 1
      "users:\n"                      // 2
      "  - name: bob\n"               // 3
      "    roles: [ghost]\n"          // 4  unknown role
      "    keys: [ssh-dss AAAA]\n"    // 5  unknown key type
      "targets:\n"                    // 6
      "  - name: db-1\n"              // 7
      "    address: 'db:0'\n"         // 8  bad port
      "    labls: {env: prod}\n"      // 9  unknown key
      "roles:\n"                      // 10
      "  - name: dev\n"               // 11
      "    max_duration: forever\n",  // 12 bad duration
      "conf/holdgate.yaml");
  REQUIRE(result.errors.size() == 5);
  std::vector<int> lines;
  for (const auto& e : result.errors) lines.push_back(e.line);
  CHECK(lines == std::vector<int>{4, 5, 8, 9, 12});
  // The path as given, not made absolute.
  CHECK(result.errors[0].to_string() ==
        "conf/holdgate.yaml:4:13: users[0].roles: unknown role 'ghost'");
  CHECK(result.errors[3].to_string() ==
        "conf/holdgate.yaml:9:5: unknown key 'labls' in targets[0] (did you mean 'labels'?)");
}

TEST_CASE("a missing file is one error without a position", "[config]") {
  const fs::path missing = "/nonexistent/holdgate.yaml";
  auto result = cfg::load_config(missing);
  CHECK_FALSE(result.config.has_value());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].line == 0);
  CHECK(result.errors[0].to_string() ==
        "/nonexistent/holdgate.yaml: cannot read /nonexistent/holdgate.yaml: no such file or "
        "directory");
}

TEST_CASE("a directory given as the config file is one error", "[config]") {
  const fs::path dir = fs::path(HOLDGATE_TEST_DATA) / "config";
  auto result = cfg::load_config(dir);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].message == "cannot read " + dir.string() + ": is a directory");
}

TEST_CASE("errors from a loaded file carry its path and real positions", "[config]") {
  const fs::path file = fs::path(HOLDGATE_TEST_DATA) / "config" / "unknown_role.yaml";
  auto result = cfg::load_config(file);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].to_string() ==
        file.string() + ":5:18: users[0].roles: unknown role 'dbx' (did you mean 'dba'?)");
}
