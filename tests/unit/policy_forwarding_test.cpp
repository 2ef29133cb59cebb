// `forwarding:` (issue 18): host:port patterns, defaults, per-target rules, and which of a
// role's and a rule's settings counts. Tables of one-line scenarios.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/host_port.hpp"
#include "config_text.hpp"
#include "policy/forwarding_rules.hpp"

namespace cfg = holdgate::config;
namespace policy = holdgate::policy;

namespace {

cfg::Forwarding local(std::vector<std::string> patterns) {
  cfg::Forwarding f;
  for (const auto& text : patterns) {
    std::string error;
    auto pattern = cfg::parse_host_port_pattern(text, error);
    INFO(text << ": " << error);
    REQUIRE(pattern);
    f.local.push_back(*pattern);
  }
  return f;
}

const cfg::Role& role_named(const cfg::Config& config, const std::string& name) {
  for (const auto& role : config.roles) {
    if (role.name == name) return role;
  }
  FAIL("no role " << name);
  throw;
}

}  // namespace

TEST_CASE("host:port patterns parse, or say what is wrong", "[policy][forwarding]") {
  struct Row {
    std::string text;
    bool ok;
    std::string written;  // as to_string gives it back, or a word of the error
  };
  const std::vector<Row> rows = {
      {"localhost:5432", true, "localhost:5432"},
      {"*:*", true, "*:*"},
      {"10.0.0.?:443", true, "10.0.0.?:443"},
      {"*.internal:*", true, "*.internal:*"},
      {"[::1]:5432", true, "[::1]:5432"},
      {"DB.Example.com:1", true, "DB.Example.com:1"},
      {"db:65535", true, "db:65535"},
      {"localhost", false, "host:port"},
      {":5432", false, "no host"},
      {"db:0", false, "1-65535"},
      {"db:65536", false, "1-65535"},
      {"db:54x", false, "1-65535"},
      {"db:", false, "1-65535"},
      {"::1:22", false, "IPv6"},
      {"d b:22", false, "glob"},
      {"db\x1b[31m:22", false, "glob"},
  };
  for (const auto& row : rows) {
    std::string error;
    auto pattern = cfg::parse_host_port_pattern(row.text, error);
    INFO(row.text);
    REQUIRE(pattern.has_value() == row.ok);
    if (row.ok) {
      CHECK(cfg::to_string(*pattern) == row.written);
    } else {
      CHECK_THAT(error, Catch::Contains(row.written));
    }
  }
}

TEST_CASE("glob matching of destination hosts", "[policy][forwarding]") {
  struct Row {
    std::string pattern, text;
    bool matches;
  };
  const std::vector<Row> rows = {
      {"*", "anything.at.all", true},     {"*", "", true},
      {"localhost", "localhost", true},   {"localhost", "LocalHost", true},
      {"localhost", "localhost2", false}, {"*.internal", "db.internal", true},
      {"*.internal", "internal", false},  {"*.internal", "db.internal.evil.com", false},
      {"10.0.0.?", "10.0.0.7", true},     {"10.0.0.?", "10.0.0.17", false},
      {"a*b*c", "aXbYc", true},           {"a*b*c", "aXbY", false},
      {"**", "x", true},                  {"db-?", "db-", false},
  };
  for (const auto& row : rows) {
    INFO(row.pattern << " vs " << row.text);
    CHECK(policy::glob_matches(row.pattern, row.text) == row.matches);
  }
}

TEST_CASE("local destinations against patterns", "[policy][forwarding]") {
  struct Row {
    std::vector<std::string> patterns;
    std::string host;
    int port;
    bool allowed;
  };
  const std::vector<Row> rows = {
      {{}, "localhost", 5432, false},  // the default: nothing
      {{"localhost:5432"}, "localhost", 5432, true},
      {{"localhost:5432"}, "localhost", 5433, false},
      {{"localhost:5432"}, "127.0.0.1", 5432, false},  // names are not resolved
      {{"localhost:*"}, "localhost", 1, true},
      {{"*:443"}, "example.com", 443, true},
      {{"*:443"}, "example.com", 80, false},
      {{"[::1]:22"}, "::1", 22, true},
      {{"[::1]:22"}, "[::1]", 22, true},
      {{"db-?:5432", "cache-1:6379"}, "cache-1", 6379, true},
      {{"db-?:5432", "cache-1:6379"}, "cache-1", 5432, false},
      {{"*:*"}, "", 22, false},        // no host at all
      {{"*:*"}, "h", 70000, false},    // not a port
  };
  for (const auto& row : rows) {
    INFO(row.host << ":" << row.port);
    CHECK(policy::local_destination_allowed(local(row.patterns), row.host, row.port) == row.allowed);
  }
}

TEST_CASE("a role's forwarding, a rule's own, and the targets they cover", "[policy][forwarding]") {
  auto config = parse_ok(R"(state_dir: /s
targets:
  - {name: db-1, address: 10.0.0.1, labels: {kind: db, env: prod}}
  - {name: web-1, address: 10.0.0.2, labels: {kind: web, env: prod}}
  - {name: dev-1, address: 10.0.0.3, labels: {kind: db, env: dev}}
roles:
  - name: plain
    allow: [{logins: [root], targets: "*"}]
  - name: role-wide
    forwarding: {local: true, agent: true}
    allow: [{logins: [root], targets: "*"}]
  - name: per-rule
    forwarding: {agent: true}
    allow:
      - logins: [root]
        targets: {kind: db}
        forwarding: {local: ["localhost:5432"]}
      - logins: [root]
        targets: {kind: web}
      - logins: [deploy]
        targets: {env: dev}
        forwarding: {remote: true}
  - name: off-in-a-rule
    forwarding: {local: true, remote: true, agent: true}
    allow:
      - {logins: [root], targets: {env: prod}, forwarding: {local: false}}
)");
  const auto& db = config.targets[0];
  const auto& web = config.targets[1];
  const auto& dev = config.targets[2];
  struct Row {
    std::string role, login;
    const cfg::Target* target;
    std::string host;
    int port;
    bool local, remote, agent;
  };
  const std::vector<Row> rows = {
      // Nothing by default.
      {"plain", "root", &db, "localhost", 5432, false, false, false},
      // The role's forwarding covers every rule without its own.
      {"role-wide", "root", &db, "anything", 1, true, false, true},
      // A rule's own forwarding replaces the role's for the targets it matches ...
      {"per-rule", "root", &db, "localhost", 5432, true, false, false},
      {"per-rule", "root", &db, "localhost", 22, false, false, false},
      // ... and the role's applies where the matching rule has none.
      {"per-rule", "root", &web, "localhost", 5432, false, false, true},
      // Two rules match deploy? Only the dev one lists deploy: its own forwarding.
      {"per-rule", "deploy", &dev, "localhost", 5432, false, true, false},
      // root on dev-1 (kind: db): the db rule's patterns.
      {"per-rule", "root", &dev, "localhost", 5432, true, false, false},
      // A login no rule allows forwards nothing.
      {"per-rule", "deploy", &db, "localhost", 5432, false, false, false},
      // `local: false` in a rule turns everything off there, even what the role gives.
      {"off-in-a-rule", "root", &db, "localhost", 5432, false, false, false},
  };
  for (const auto& row : rows) {
    INFO(row.role << " " << row.login << "@" << row.target->name);
    auto f = policy::forwarding_for(role_named(config, row.role), row.login, *row.target);
    CHECK(policy::local_destination_allowed(f, row.host, row.port) == row.local);
    CHECK(f.remote == row.remote);
    CHECK(f.agent == row.agent);
  }
}

TEST_CASE("forwarding mistakes in the config are errors", "[policy][forwarding][config]") {
  auto errors = errors_of(R"(state_dir: /s
roles:
  - name: r
    forwarding: {local: ["nohost"], remote: maybe, tunnel: true}
    allow: [{logins: [root], targets: "*"}]
)");
  REQUIRE(errors.size() == 3);
  CHECK_THAT(errors[0], Catch::Contains("forwarding.local[0]: 'nohost' must be host:port"));
  CHECK_THAT(errors[1], Catch::Contains("forwarding.remote: must be true or false"));
  CHECK_THAT(errors[2], Catch::Contains("tunnel"));
}

TEST_CASE("max_forwards is read from limits, 32 by default", "[policy][forwarding][config]") {
  CHECK(parse_ok("state_dir: /s\n").limits.max_forwards == 32);
  CHECK(parse_ok("state_dir: /s\nlimits: {max_forwards: 4}\n").limits.max_forwards == 4);
}

TEST_CASE("describe_destination makes a user's host safe to log", "[policy][forwarding]") {
  CHECK(policy::describe_destination("localhost", 5432) == "localhost:5432");
  CHECK(policy::describe_destination("::1", 22) == "[::1]:22");
  auto hostile = policy::describe_destination("evil\x1b[2Jhost\nfake=line", 1);
  CHECK(hostile.find('\x1b') == std::string::npos);
  CHECK(hostile.find('\n') == std::string::npos);
  CHECK(policy::describe_destination(std::string(1000, 'a'), 1).size() < 300);
}
