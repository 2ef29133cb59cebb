// Config loading: the documented contract file, defaults, path resolution, limits, selectors,
// and the parse_duration / parse_address tables. Error reporting is in config_errors_test.cpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "config_text.hpp"

namespace cfg = holdgate::config;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Values = std::vector<std::string>;

namespace {

const fs::path kDataDir = fs::path(HOLDGATE_TEST_DATA) / "config";

}  // namespace

TEST_CASE("the documented contract file loads with every value", "[config]") {
  const auto file = kDataDir / "contract.yaml";
  auto result = cfg::load_config(file);
  for (const auto& e : result.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(result.errors.empty());
  REQUIRE(result.config.has_value());
  const cfg::Config& c = *result.config;

  CHECK(c.source == file);
  CHECK(c.listen.host == "0.0.0.0");
  CHECK(c.listen.port == 2222);
  CHECK(c.state_dir == "/var/lib/holdgate");
  CHECK(c.host_keys == std::vector<fs::path>{"/etc/holdgate/ssh_host_ed25519_key"});
  CHECK(c.upstream.identity == "/etc/holdgate/upstream_ed25519");
  CHECK(c.upstream.known_hosts == "/etc/holdgate/known_hosts");

  REQUIRE(c.targets.size() == 2);
  CHECK(c.targets[0].name == "db-1");
  CHECK(c.targets[0].address.host == "10.0.0.5");
  CHECK(c.targets[0].address.port == 22);
  CHECK(c.targets[0].labels == cfg::Labels{{"env", "prod"}, {"kind", "db"}});
  CHECK(c.targets[1].name == "web-1");
  CHECK(c.targets[1].address.host == "10.0.0.6");
  CHECK(c.targets[1].address.port == 22);  // the default
  CHECK(c.targets[1].labels == cfg::Labels{{"env", "staging"}});

  REQUIRE(c.users.size() == 2);
  const cfg::User& bob = c.users[0];
  CHECK(bob.name == "bob");
  REQUIRE(bob.keys.size() == 1);
  CHECK(bob.keys[0].type == "ssh-ed25519");
  CHECK(bob.keys[0].blob == "AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd");
  CHECK(bob.keys[0].comment == "bob@laptop");
  CHECK(bob.roles == Values{"dev"});
  CHECK(bob.traits == cfg::Labels{{"team", "contractor"}});
  const cfg::User& alice = c.users[1];
  CHECK(alice.name == "alice");
  REQUIRE(alice.keys.size() == 1);
  CHECK(alice.keys[0].comment == "alice@laptop");
  CHECK(alice.roles == Values{"dev", "dba-reviewer"});
  CHECK(alice.traits.empty());

  REQUIRE(c.roles.size() == 3);
  const cfg::Role& dev = c.roles[0];
  CHECK(dev.name == "dev");
  REQUIRE(dev.allow.size() == 1);
  CHECK(dev.allow[0].logins == Values{"ubuntu"});
  CHECK_FALSE(dev.allow[0].targets.any_target);
  CHECK(dev.allow[0].targets.labels == std::map<std::string, Values>{{"env", {"staging"}}});
  REQUIRE(dev.request.has_value());
  CHECK(dev.request->roles == Values{"dba"});
  CHECK(dev.request->reviewers == Values{"alice", "ivan"});  // ivan is not a user: allowed
  CHECK(dev.request->approve == 2);
  CHECK(dev.request->deny == 1);
  CHECK(dev.request->ttl == 3600s);
  CHECK(dev.request->reason == cfg::RequestPolicy::Reason::required);
  CHECK_FALSE(dev.review.has_value());
  CHECK(dev.max_duration == 1h);

  const cfg::Role& dba = c.roles[1];
  CHECK(dba.name == "dba");
  REQUIRE(dba.allow.size() == 1);
  CHECK(dba.allow[0].logins == Values{"root"});
  CHECK(dba.allow[0].targets.labels == std::map<std::string, Values>{{"kind", {"db"}}});
  CHECK_FALSE(dba.request.has_value());
  CHECK(dba.max_duration == 8h);

  const cfg::Role& reviewer = c.roles[2];
  CHECK(reviewer.name == "dba-reviewer");
  CHECK(reviewer.allow.empty());
  REQUIRE(reviewer.review.has_value());
  CHECK(reviewer.review->roles == Values{"dba"});

  CHECK(c.limits.max_auth_tries == cfg::Limits{}.max_auth_tries);  // no limits: section
}

TEST_CASE("find_target, find_user and find_role look up by exact name", "[config]") {
  auto c = cfg::load_config(kDataDir / "contract.yaml").config;
  REQUIRE(c.has_value());
  REQUIRE(c->find_target("web-1") != nullptr);
  CHECK(c->find_target("web-1")->address.host == "10.0.0.6");
  CHECK(c->find_target("web") == nullptr);
  REQUIRE(c->find_user("alice") != nullptr);
  CHECK(c->find_user("alice")->name == "alice");
  CHECK(c->find_user("Alice") == nullptr);
  REQUIRE(c->find_role("dba") != nullptr);
  CHECK(c->find_role("dba")->max_duration == 8h);
  CHECK(c->find_role("ivan") == nullptr);
}

TEST_CASE("a minimal file gets the documented defaults", "[config]") {
  auto c = parse_ok("state_dir: /srv/hg\n");
  CHECK(c.listen.host == "0.0.0.0");
  CHECK(c.listen.port == 2222);
  CHECK(c.host_keys.empty());
  CHECK(c.upstream.identity == "/srv/hg/upstream_ed25519");
  CHECK(c.upstream.known_hosts == "/srv/hg/known_hosts");
  CHECK(c.targets.empty());
  CHECK(c.users.empty());
  CHECK(c.roles.empty());
  CHECK(c.limits.login_grace == 30s);
  CHECK(c.limits.max_auth_tries == 6);
  CHECK(c.limits.max_startups == 100);
  CHECK(c.limits.max_startups_begin == 10);
  CHECK(c.limits.max_startups_rate == 30);
  CHECK(c.limits.per_source_max_startups == 8);
  CHECK(c.limits.per_source_prefix_v4 == 32);
  CHECK(c.limits.per_source_prefix_v6 == 128);
  CHECK(c.limits.max_jump_startups == 10);
  const auto& penalties = c.limits.per_source_penalties;
  CHECK(penalties.enabled);
  CHECK((penalties.authfail == 5s && penalties.noauth == 1s && penalties.grace_exceeded == 10s));
  CHECK((penalties.max == 600s && penalties.min == 15s && penalties.max_sources == 65536));
  CHECK_FALSE(penalties.deny_all_on_overflow);
  CHECK(penalties.exempt.empty());
  CHECK(c.limits.connect_timeout == 10s);
  CHECK(c.limits.shutdown_grace == 30s);
  CHECK(c.limits.keepalive_interval == 60s);
}

TEST_CASE("proxy_protocol lists the load balancers trusted to send a PROXY header", "[config]") {
  CHECK(parse_ok("state_dir: /s\n").proxy_protocol.from.empty());
  auto c = parse_ok("state_dir: /s\nproxy_protocol: {from: [10.0.0.0/8, 127.0.0.1/32, '::1']}\n");
  const auto& from = c.proxy_protocol.from;
  REQUIRE(from.size() == 3);
  CHECK((!from[0].address.v6 && from[0].prefix == 8));
  CHECK((!from[1].address.v6 && from[1].prefix == 32));
  CHECK((from[2].address.v6 && from[2].prefix == 128));
}

TEST_CASE("listen takes a port, defaulting to 2222", "[config]") {
  CHECK(parse_ok("state_dir: /s\nlisten: 127.0.0.1\n").listen.port == 2222);
  auto c = parse_ok("state_dir: /s\nlisten: '[::]:22'\n");
  CHECK(c.listen.host == "::");
  CHECK(c.listen.port == 22);
}

TEST_CASE("relative paths resolve against the config file's directory", "[config]") {
  auto c = parse_ok(
      "state_dir: state\n"
      "host_keys: [keys/host_ed25519, /abs/host_rsa]\n"
      "upstream: {identity: ../id_ed25519}\n",
      "/etc/holdgate/holdgate.yaml");
  CHECK(c.state_dir == "/etc/holdgate/state");
  CHECK(c.host_keys == std::vector<fs::path>{"/etc/holdgate/keys/host_ed25519", "/abs/host_rsa"});
  CHECK(c.upstream.identity == "/etc/id_ed25519");
  CHECK(c.upstream.known_hosts == "/etc/holdgate/state/known_hosts");  // default, under state_dir

  // A relative config path is taken from the working directory, so results are still absolute.
  auto rel = parse_ok("state_dir: state\n", "conf/holdgate.yaml");
  CHECK(rel.state_dir == (fs::current_path() / "conf/state").lexically_normal());
  CHECK(rel.state_dir.is_absolute());
  CHECK(rel.source == (fs::current_path() / "conf/holdgate.yaml").lexically_normal());
}

TEST_CASE("host_keys may be a single path", "[config]") {
  auto c = parse_ok("state_dir: /s\nhost_keys: /k/host\n");
  CHECK(c.host_keys == std::vector<fs::path>{"/k/host"});
}

TEST_CASE("limits are read, and keepalive_interval may be 0s", "[config]") {
  auto c = parse_ok(
      "state_dir: /s\n"
      "limits:\n"
      "  login_grace: 20s\n"
      "  max_auth_tries: 3\n"
      "  max_startups: 10\n"
      "  connect_timeout: 5s\n"
      "  shutdown_grace: 2m\n"
      "  keepalive_interval: 0s\n");
  CHECK(c.limits.login_grace == 20s);
  CHECK(c.limits.max_auth_tries == 3);
  CHECK(c.limits.max_startups == 10);
  CHECK(c.limits.max_startups_begin == 10);  // a single number is a hard cap, as in sshd
  CHECK(c.limits.max_startups_rate == 100);
  CHECK(c.limits.connect_timeout == 5s);
  CHECK(c.limits.shutdown_grace == 120s);
  CHECK(c.limits.keepalive_interval == 0s);

  auto partial = parse_ok("state_dir: /s\nlimits: {max_startups: 1}\n");
  CHECK(partial.limits.max_startups == 1);
  CHECK(partial.limits.login_grace == 30s);  // the rest keep their defaults
}

TEST_CASE("start-up limits and per-source penalties are read", "[config]") {
  auto c = parse_ok(
      "state_dir: /s\n"
      "limits:\n"
      "  max_startups: 5:50:20\n"
      "  per_source_max_startups: 3\n"
      "  per_source_net_block_size: 24:64\n"
      "  max_jump_startups: 2\n"
      "  per_source_penalties:\n"
      "    authfail: 10s\n"
      "    noauth: 0s\n"
      "    grace_exceeded: 1m\n"
      "    max: 1h\n"
      "    min: 0s\n"
      "    max_sources: 100\n"
      "    overflow: deny-all\n"
      "    exempt: [10.0.0.0/8, '2001:db8::/32', 192.0.2.1]\n");
  const auto& l = c.limits;
  CHECK((l.max_startups_begin == 5 && l.max_startups_rate == 50 && l.max_startups == 20));
  CHECK(l.per_source_max_startups == 3);
  CHECK((l.per_source_prefix_v4 == 24 && l.per_source_prefix_v6 == 64));
  CHECK(l.max_jump_startups == 2);
  const auto& p = l.per_source_penalties;
  CHECK((p.enabled && p.authfail == 10s && p.noauth == 0s && p.grace_exceeded == 60s));
  CHECK((p.max == 3600s && p.min == 0s && p.max_sources == 100 && p.deny_all_on_overflow));
  REQUIRE(p.exempt.size() == 3);
  CHECK((!p.exempt[0].address.v6 && p.exempt[0].prefix == 8));
  CHECK((p.exempt[1].address.v6 && p.exempt[1].prefix == 32));
  CHECK(p.exempt[2].prefix == 32);

  auto other = parse_ok(
      "state_dir: /s\n"
      "limits: {per_source_max_startups: none, per_source_net_block_size: 16, "
      "per_source_penalties: off}\n");
  CHECK(other.limits.per_source_max_startups == 0);
  CHECK((other.limits.per_source_prefix_v4 == 16 && other.limits.per_source_prefix_v6 == 128));
  CHECK_FALSE(other.limits.per_source_penalties.enabled);
}

TEST_CASE("limits.max_sessions defaults to sshd's MaxSessions and must be at least 1", "[config]") {
  CHECK(parse_ok("state_dir: /s\n").limits.max_sessions == 10);
  CHECK(parse_ok("state_dir: /s\nlimits: {max_sessions: 2}\n").limits.max_sessions == 2);
  CHECK(errors_of("state_dir: /s\nlimits: {max_sessions: 0}\n") ==
        std::vector<std::string>{"c.yaml:2:24: limits.max_sessions: must be at least 1, not 0"});
}

TEST_CASE("selectors: \"*\", lists of values, \"*\" values, and \"*\" logins", "[config]") {
  auto c = parse_ok(
      "state_dir: /s\n"
      "roles:\n"
      "  - name: ops\n"
      "    allow:\n"
      "      - logins: ['*']\n"
      "        targets: '*'\n"
      "      - logins: [postgres, ubuntu]\n"
      "        targets: {env: [prod, staging], kind: '*'}\n");
  REQUIRE(c.roles.size() == 1);
  const auto& allow = c.roles[0].allow;
  REQUIRE(allow.size() == 2);
  CHECK(allow[0].logins == Values{"*"});
  CHECK(allow[0].targets.any_target);
  CHECK(allow[0].targets.labels.empty());
  CHECK(allow[1].logins == Values{"postgres", "ubuntu"});
  CHECK_FALSE(allow[1].targets.any_target);
  CHECK(allow[1].targets.labels ==
        std::map<std::string, Values>{{"env", {"prod", "staging"}}, {"kind", {"*"}}});
}

TEST_CASE("request policy defaults, and reason: optional", "[config]") {
  auto c = parse_ok(
      "state_dir: /s\n"
      "roles:\n"
      "  - name: dba\n"
      "  - name: dev\n"
      "    request: {roles: [dba]}\n"
      "  - name: intern\n"
      "    request: {roles: [dba], reason: optional, ttl: 15m, deny: 3, scope: resource}\n");
  REQUIRE(c.roles.size() == 3);
  REQUIRE(c.roles[1].request.has_value());
  const auto& dev = *c.roles[1].request;
  CHECK(dev.reviewers.empty());
  CHECK(dev.approve == 1);
  CHECK(dev.deny == 1);
  CHECK(dev.ttl == 1h);
  CHECK(dev.reason == cfg::RequestPolicy::Reason::required);
  CHECK(dev.scope == cfg::RequestPolicy::Scope::role);  // whole roles may be requested
  REQUIRE(c.roles[2].request.has_value());
  const auto& intern = *c.roles[2].request;
  CHECK(intern.reason == cfg::RequestPolicy::Reason::optional);
  CHECK(intern.ttl == 15min);
  CHECK(intern.deny == 3);
  CHECK(intern.scope == cfg::RequestPolicy::Scope::resource);
  CHECK_FALSE(dev.break_glass);
  CHECK(dev.break_glass_duration == 30min);
  CHECK(dev.ratify_within == 24h);
}

TEST_CASE("break-glass request policy", "[config][break-glass]") {
  auto c = parse_ok(
      "state_dir: /s\n"
      "roles:\n"
      "  - name: dba\n"
      "  - name: oncall\n"
      "    request: {roles: [dba], break_glass: true, break_glass_duration: 15m,\n"
      "              ratify_within: 3s, approve: 2}\n");
  REQUIRE(c.roles[1].request.has_value());
  const auto& oncall = *c.roles[1].request;
  CHECK(oncall.break_glass);
  CHECK(oncall.break_glass_duration == 15min);
  CHECK(oncall.ratify_within == 3s);
  CHECK(oncall.approve == 2);
}

TEST_CASE("grant: until session-end and uses; none by default", "[config]") {
  auto c = parse_ok(
      "state_dir: /s\n"
      "roles:\n"
      "  - name: plain\n"
      "  - name: once\n"
      "    grant: {uses: 1}\n"
      "  - name: session\n"
      "    grant: {until: session-end, uses: 5}\n");
  REQUIRE(c.roles.size() == 3);
  CHECK_FALSE(c.roles[0].grant.until_session_end);
  CHECK(c.roles[0].grant.uses == 0);
  CHECK_FALSE(c.roles[1].grant.until_session_end);
  CHECK(c.roles[1].grant.uses == 1);
  CHECK(c.roles[2].grant.until_session_end);
  CHECK(c.roles[2].grant.uses == 5);
}

TEST_CASE("authorized_keys lines split into type, blob and comment", "[config]") {
  auto c = parse_ok(
      "state_dir: /s\n"
      "users:\n"
      "  - name: bob\n"
      "    keys:\n"
      "      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd\n"
      "      - 'ecdsa-sha2-nistp256   AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJ3wK4RPbwjyhoKoNdUKnUKq9M52p91KCfvkMdfF734J9p+3vH+BPCH5OGkr4eWf1eu9xZ2VdZDyui3vqC3ZJdE=  Bob  Smith (work) '\n"
      "      - sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fAAAABHNzaDo= yubikey\n");
  REQUIRE(c.users.size() == 1);
  const auto& keys = c.users[0].keys;
  REQUIRE(keys.size() == 3);
  CHECK(keys[0].type == "ssh-ed25519");
  CHECK(keys[0].blob == "AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd");
  CHECK(keys[0].comment.empty());
  CHECK(keys[1].type == "ecdsa-sha2-nistp256");
  CHECK(keys[1].blob == "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJ3wK4RPbwjyhoKoNdUKnUKq9M52p91KCfvkMdfF734J9p+3vH+BPCH5OGkr4eWf1eu9xZ2VdZDyui3vqC3ZJdE=");
  CHECK(keys[1].comment == "Bob  Smith (work)");  // inner spacing kept, ends trimmed
  CHECK(keys[2].type == "sk-ssh-ed25519@openssh.com");
  CHECK(keys[2].comment == "yubikey");
}

TEST_CASE("a user may have no keys and no roles", "[config]") {
  auto c = parse_ok("state_dir: /s\nusers:\n  - name: reviewer-only\n");
  REQUIRE(c.users.size() == 1);
  CHECK(c.users[0].keys.empty());
  CHECK(c.users[0].roles.empty());
}

TEST_CASE("parse_duration accepts one whole number and one unit", "[config]") {
  struct Row {
    std::string text;
    std::optional<cfg::Duration> expected;
  };
  auto row = GENERATE(values<Row>({
      {"30s", 30s},
      {"15m", 15min},
      {"8h", 8h},
      {"2d", 48h},
      {"0s", 0s},
      {"1s", 1s},
      {"90m", 90min},
      {"", std::nullopt},
      {"s", std::nullopt},
      {"10", std::nullopt},
      {"1h30m", std::nullopt},
      {"-1s", std::nullopt},
      {"+1s", std::nullopt},
      {" 1s", std::nullopt},
      {"1s ", std::nullopt},
      {"1.5h", std::nullopt},
      {"1H", std::nullopt},
      {"1w", std::nullopt},
      {"1 h", std::nullopt},
      {"99999999999999999999s", std::nullopt},
      {"999999999999999999d", std::nullopt},  // fits int64 as a number, not as seconds
  }));
  INFO("parse_duration(\"" << row.text << "\")");
  CHECK(cfg::parse_duration(row.text) == row.expected);
}

TEST_CASE("parse_address accepts host[:port] and [v6][:port]", "[config]") {
  struct Row {
    std::string text;
    bool ok;
    std::string host;
    std::uint16_t port;
  };
  auto row = GENERATE(values<Row>({
      {"10.0.0.5:22", true, "10.0.0.5", 22},
      {"10.0.0.6", true, "10.0.0.6", 7},  // default port passed in
      {"db.example.com:2200", true, "db.example.com", 2200},
      {"db_1", true, "db_1", 7},
      {"h:1", true, "h", 1},
      {"h:65535", true, "h", 65535},
      {"[::1]:2222", true, "::1", 2222},
      {"[::1]", true, "::1", 7},
      {"[fe80::1%eth0]:22", true, "fe80::1%eth0", 22},
      {"[::ffff:10.0.0.1]:22", true, "::ffff:10.0.0.1", 22},
      {"", false, "", 0},
      {":22", false, "", 0},
      {"h:", false, "", 0},
      {"h:0", false, "", 0},
      {"h:65536", false, "", 0},
      {"h:022x", false, "", 0},
      {"h:-1", false, "", 0},
      {"h:+22", false, "", 0},
      {"h:22:33", false, "", 0},
      {"::1", false, "", 0},
      {"fe80::1:22", false, "", 0},
      {"[::1", false, "", 0},
      {"[::1]22", false, "", 0},
      {"[::1]:", false, "", 0},
      {"[]:22", false, "", 0},
      {"[db-1]:22", false, "", 0},
      {"[fe80::1%]:22", false, "", 0},
      {"[fe80::1%a b]:22", false, "", 0},
      {"a b", false, "", 0},
      {"a/b:22", false, "", 0},
  }));
  INFO("parse_address(\"" << row.text << "\")");
  auto address = cfg::parse_address(row.text, 7);
  REQUIRE(address.has_value() == row.ok);
  if (row.ok) {
    CHECK(address->host == row.host);
    CHECK(address->port == row.port);
  }
}

TEST_CASE("ConfigError::to_string shows the position when there is one", "[config]") {
  CHECK(cfg::ConfigError{"h.yaml", 3, 7, "users[0]: missing value"}.to_string() ==
        "h.yaml:3:7: users[0]: missing value");
  CHECK(cfg::ConfigError{"h.yaml", 0, 0, "cannot read h.yaml: x"}.to_string() ==
        "h.yaml: cannot read h.yaml: x");
}

TEST_CASE("every supported key type loads from a real public key", "[config]") {
  // ssh-keygen output (the sk- blobs built to the same wire format: no token needed here).
  const std::vector<std::string> lines = {
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd",
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCdnYg1FStN+RN1HJomG0w0qCuvq+hHEH2wSlB87K5mWQFkaJCO+ujjYTf+"
      "ihqWMe2VsnfYImib+AdUBEPlyrG/fYxDLGF1J0p5BaYMe8iiwK56JqiijtdRVMNXQjzxInoTdBRcDvWpKVFZMgDTL68G6/"
      "U8pebAQc+9ucJJzHj+8Q==",
      "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJ3wK4RPbwjyhoKoNdUKnU"
      "Kq9M52p91KCfvkMdfF734J9p+3vH+BPCH5OGkr4eWf1eu9xZ2VdZDyui3vqC3ZJdE=",
      "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBCors5tirz25rLdm0rfLhH"
      "JbKlw+wSoy9A5lnLE+ZqR7OUB2Yu0Smov7/AdO+HC+WWt+c76XZyitP4Uzb0nMwiS1NeXldE4Y+RbRNcjY3yxW7rvqEhaM"
      "3g2fnQNIybf1WA==",
      "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAEHyOzs7FtBbLZNBj5OH5"
      "6DnvsN3dvZYknHl41ripnFrH+yXprRAYHEg6SdB0q+jQpRIvBIOmIdw8pXSjMMfeqPbgAhDwgvudDrKaOqDEd5nX1ost2x"
      "A+keGTPeD94a7n2Qd89Wsmo3/M5/3KmMcqQWFSyNUSYTeYE2Ku0thluW5G1w8A==",
      "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQYHCAkKCwwNDg8Q"
      "ERITFBUWFxgZGhscHR4fAAAABHNzaDo=",
      "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlz"
      "dHAyNTYAAABBBJ3wK4RPbwjyhoKoNdUKnUKq9M52p91KCfvkMdfF734J9p+3vH+BPCH5OGkr4eWf1eu9xZ2VdZDyui3vqC3Z"
      "JdEAAAAEc3NoOg==",
  };
  for (const auto& line : lines) {
    CAPTURE(line);
    auto c = parse_ok("state_dir: /s\nusers:\n  - name: bob\n    keys: ['" + line + "']\n");
    REQUIRE(c.users.at(0).keys.size() == 1);
    CHECK(c.users[0].keys[0].type == line.substr(0, line.find(' ')));
  }
}

TEST_CASE("a role marked audit: true sees the whole trail; roles do not by default", "[config]") {
  auto c = parse_ok("state_dir: /s\nroles:\n  - name: auditor\n    audit: true\n"
                    "  - name: dev\n  - name: ops\n    audit: false\n");
  CHECK(c.find_role("auditor")->audit);
  CHECK_FALSE(c.find_role("dev")->audit);
  CHECK_FALSE(c.find_role("ops")->audit);
}

TEST_CASE("a role marked admin: true may take access back; roles are not admins by default",
          "[config]") {
  auto c = parse_ok("state_dir: /s\nroles:\n  - name: oncall\n    admin: true\n"
                    "  - name: dev\n  - name: ops\n    admin: false\n");
  CHECK(c.find_role("oncall")->admin);
  CHECK_FALSE(c.find_role("oncall")->audit);
  CHECK_FALSE(c.find_role("dev")->admin);
  CHECK_FALSE(c.find_role("ops")->admin);
}

TEST_CASE("limits against request spam: defaults, values, and mistakes", "[config]") {
  auto defaults = parse_ok("state_dir: /s\n");
  CHECK(defaults.limits.max_pending_requests == 10);
  CHECK(defaults.limits.request_rate.count == 20);
  CHECK(defaults.limits.request_rate.per == 1h);
  CHECK(defaults.limits.max_hook_processes == 8);

  auto c = parse_ok(
      "state_dir: /s\n"
      "limits:\n"
      "  max_pending_requests: 2\n"
      "  request_rate: 5/30m\n"
      "  max_hook_processes: 1\n");
  CHECK(c.limits.max_pending_requests == 2);
  CHECK(c.limits.request_rate.count == 5);
  CHECK(c.limits.request_rate.per == 30min);
  CHECK(c.limits.max_hook_processes == 1);

  using V = std::vector<std::string>;
  const std::string how = "is not a rate; write a whole number, '/' and a duration, e.g. 20/1h";
  CHECK(errors_of("state_dir: /s\nlimits: {request_rate: 20}\n") ==
        V{"c.yaml:2:24: limits.request_rate: '20' " + how});
  CHECK(errors_of("state_dir: /s\nlimits: {request_rate: 20/hour}\n") ==
        V{"c.yaml:2:24: limits.request_rate: '20/hour' " + how});
  CHECK(errors_of("state_dir: /s\nlimits: {request_rate: x/1h}\n") ==
        V{"c.yaml:2:24: limits.request_rate: 'x/1h' " + how});
  CHECK(errors_of("state_dir: /s\nlimits: {request_rate: 0/1h}\n") ==
        V{"c.yaml:2:24: limits.request_rate: must allow at least 1 per a duration longer than "
          "0s, not 0/1h"});
  CHECK(errors_of("state_dir: /s\nlimits: {request_rate: 3/0s}\n") ==
        V{"c.yaml:2:24: limits.request_rate: must allow at least 1 per a duration longer than "
          "0s, not 3/0s"});
  CHECK(errors_of("state_dir: /s\nlimits: {max_pending_requests: 0}\n") ==
        V{"c.yaml:2:32: limits.max_pending_requests: must be at least 1, not 0"});
  CHECK(errors_of("state_dir: /s\nlimits: {max_hook_processes: 0}\n") ==
        V{"c.yaml:2:30: limits.max_hook_processes: must be at least 1, not 0"});
}

TEST_CASE("audit: checkpoint settings, with their defaults", "[config]") {
  auto defaults = parse_ok("state_dir: /s\n");
  CHECK(defaults.audit.checkpoint_every == 1000);
  CHECK(defaults.audit.checkpoint_interval == std::chrono::minutes(10));
  auto c = parse_ok("state_dir: /s\naudit:\n  checkpoint_every: 0\n  checkpoint_interval: 1h\n");
  CHECK(c.audit.checkpoint_every == 0);
  CHECK(c.audit.checkpoint_interval == std::chrono::hours(1));
  auto hooks = parse_ok("state_dir: /s\nnotify:\n  webhooks:\n    - url: http://127.0.0.1:1/x\n"
                        "      events: [audit.checkpoint]\n");
  CHECK(hooks.notify.webhooks[0].events.checkpoint);
  CHECK_FALSE(hooks.notify.webhooks[0].events.created);
}

TEST_CASE("storage: debug_latency in ms or s, off by default; anything else one sentence",
          "[config]") {
  CHECK(parse_ok("state_dir: /s\n").storage.debug_latency.count() == 0);
  CHECK(parse_ok("state_dir: /s\nstorage:\n  debug_latency: 50ms\n").storage.debug_latency ==
        std::chrono::milliseconds(50));
  CHECK(parse_ok("state_dir: /s\nstorage: {debug_latency: 2s}\n").storage.debug_latency ==
        std::chrono::seconds(2));
  for (const char* bad : {"-5ms", "fast", "50", "2m", "61s"}) {
    auto errors = errors_of(std::string("state_dir: /s\nstorage: {debug_latency: ") + bad + "}\n");
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("expected a latency such as 50ms"));
  }
}

TEST_CASE("storage: SQLite unless a PostgreSQL DSN or a DSN file is given", "[config]") {
  auto defaults = parse_ok("state_dir: /s\n");
  CHECK(defaults.storage.postgres.empty());
  CHECK(defaults.storage.postgres_file.empty());
  auto inline_dsn = parse_ok("state_dir: /s\nstorage: {postgres: \"postgresql://holdgate@db/h\"}\n");
  CHECK(inline_dsn.storage.postgres == "postgresql://holdgate@db/h");
  auto file = parse_ok("state_dir: /s\nstorage: {postgres_file: /etc/holdgate/dsn}\n");
  CHECK(file.storage.postgres_file == "/etc/holdgate/dsn");
  CHECK(file.storage.postgres.empty());
}
