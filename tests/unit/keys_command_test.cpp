// keys_command (issue 15, section 4): the pure parts as tables. Splitting and token checks,
// expansion for one user, reading the program's output, and the cache's decisions.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/keys_command.hpp"
#include "config/load.hpp"
#include "proxy/key_cache.hpp"

namespace cfg = holdgate::config;
namespace px = holdgate::proxy;
using Words = std::vector<std::string>;

namespace {

const std::string kAlice = "AAAAC3NzaC1lZDI1NTE5AAAAIJunXmaEojlRqzpDY30WVaBtJQ2AhBCP/aDQY1zBBhgd";
const std::string kBob = "AAAAC3NzaC1lZDI1NTE5AAAAIHA5C8GVWafAMRcczQRiV0yUTmRY8cPxPY2RGluPNK47";

}  // namespace

TEST_CASE("keys_command is split into words; only absolute programs and known tokens",
          "[keys_command]") {
  struct Row {
    std::string command;
    Words argv;
    std::string problem;
  };
  const std::vector<Row> rows = {
      {"/usr/bin/sss_ssh_authorizedkeys %u", {"/usr/bin/sss_ssh_authorizedkeys", "%u"}, ""},
      {"  /bin/keys\t-u  %u  ", {"/bin/keys", "-u", "%u"}, ""},
      {"/bin/keys 'two words' \"%u x\"", {"/bin/keys", "two words", "%u x"}, ""},
      {"/bin/keys --user=%u --pct=100%%", {"/bin/keys", "--user=%u", "--pct=100%%"}, ""},
      {"/bin/keys a''b", {"/bin/keys", "ab"}, ""},
      {"", {}, "the command is empty"},
      {"   ", {}, "the command is empty"},
      {"sss_ssh_authorizedkeys %u", {},
       "the program must be an absolute path (PATH is not searched), e.g. "
       "/usr/bin/sss_ssh_authorizedkeys %u"},
      {"/bin/keys %h", {}, "unknown token '%h' (known: %u, %%)"},
      {"/bin/keys 100%", {}, "a '%' at the end of a word (write %% for a '%')"},
      {"/bin/keys 'open", {}, "the quote ' is not closed"},
      {"/bin/%u", {}, "the program path cannot hold tokens"},
      {"/bin/keys\n%u", {}, "the command is one line"},
  };
  for (const auto& row : rows) {
    INFO(row.command);
    auto split = cfg::split_keys_command(row.command);
    CHECK(split.argv == row.argv);
    CHECK(split.problem == row.problem);
  }
}

TEST_CASE("keys_command tokens expand within a word, never into more words", "[keys_command]") {
  struct Row {
    Words argv;
    std::string user;
    Words expanded;
  };
  const std::vector<Row> rows = {
      {{"/bin/keys", "%u"}, "alice", {"/bin/keys", "alice"}},
      {{"/bin/keys", "--user=%u@corp"}, "bob", {"/bin/keys", "--user=bob@corp"}},
      {{"/bin/keys", "%%u", "%u%%"}, "bob", {"/bin/keys", "%u", "bob%"}},
      {{"/bin/keys", "%u"}, "a b; rm -rf /", {"/bin/keys", "a b; rm -rf /"}},
      {{"/bin/keys"}, "alice", {"/bin/keys"}},
  };
  for (const auto& row : rows) {
    CHECK(cfg::expand_keys_command(row.argv, row.user) == row.expanded);
  }
}

TEST_CASE("keys_command output is read as authorized_keys lines", "[keys_command]") {
  struct Row {
    std::string output;
    Words blobs;
    int skipped;
    std::string problem;
  };
  const std::vector<Row> rows = {
      {"", {}, 0, ""},
      {"ssh-ed25519 " + kAlice + " alice@laptop\n", {kAlice}, 0, ""},
      {"ssh-ed25519 " + kAlice + "\r\nssh-ed25519 " + kBob, {kAlice, kBob}, 0, ""},
      {"# from LDAP\n\n   \nssh-ed25519 " + kAlice + "\n", {kAlice}, 0, ""},
      {"from=\"10.0.0.0/8\" ssh-ed25519 " + kBob + "\nssh-ed25519 " + kAlice + "\n", {kAlice}, 1,
       ""},
      {"no-pty ssh-ed25519 " + kBob + "\n", {}, 1, ""},
      {"ssh-ed25519 " + kAlice + "\nhello world\n", {}, 0,
       "line 2 is not a key: unknown key type 'hello' (supported: ssh-ed25519, ssh-rsa, "
       "ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, "
       "sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com)"},
      {"ssh-ed25519 AAAAC3Nz...\n", {}, 0, "line 1 is not a key: "},  // prefix checked below
  };
  for (const auto& row : rows) {
    INFO(row.output);
    auto parsed = cfg::parse_keys_output(row.output);
    Words blobs;
    for (const auto& key : parsed.keys) blobs.push_back(key.blob);
    CHECK(blobs == row.blobs);
    CHECK(parsed.skipped_with_options == row.skipped);
    if (row.problem.ends_with(": ")) {
      CHECK(parsed.problem.starts_with(row.problem));
    } else {
      CHECK(parsed.problem == row.problem);
    }
  }
}

TEST_CASE("keys_command in the config: shape, defaults and errors", "[keys_command]") {
  auto loaded = cfg::parse_config(
      "state_dir: /s\n"
      "keys_command: {command: \"/usr/bin/sss_ssh_authorizedkeys %u\", timeout: 2s, cache: 1m}\n"
      "users:\n  - name: alice\n",
      "t.yaml");
  REQUIRE(loaded.config);
  const auto& k = loaded.config->keys_command;
  CHECK(k.command == "/usr/bin/sss_ssh_authorizedkeys %u");
  CHECK(k.argv == Words{"/usr/bin/sss_ssh_authorizedkeys", "%u"});
  CHECK(k.timeout == std::chrono::seconds(2));
  CHECK(k.cache == std::chrono::minutes(1));
  CHECK(k.max_processes == 4);

  auto none = cfg::parse_config("state_dir: /s\n", "t.yaml");
  REQUIRE(none.config);
  CHECK(none.config->keys_command.argv.empty());

  auto bad = cfg::parse_config("state_dir: /s\nkeys_command: {command: \"keys %u\"}\n", "t.yaml");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() ==
        "t.yaml:2:25: keys_command.command: the program must be an absolute path (PATH is not "
        "searched), e.g. /usr/bin/sss_ssh_authorizedkeys %u");
  auto missing = cfg::parse_config("state_dir: /s\nkeys_command: {timeout: 5s}\n", "t.yaml");
  REQUIRE(missing.errors.size() == 1);
  CHECK_THAT(missing.errors[0].message, Catch::Contains("command"));
}

TEST_CASE("keys_command cache: when an answer may still be used", "[keys_command]") {
  using namespace std::chrono_literals;
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  cfg::KeysCommand settings;
  settings.command = "/bin/keys %u";
  settings.cache = 5min;
  struct Row {
    std::string what;
    std::string command;
    bool ok;
    std::chrono::seconds age;        // now - fetched
    std::chrono::seconds since_ago;  // now - since (when the lookup began)
    bool usable;
  };
  const std::vector<Row> rows = {
      {"fresh answer", "/bin/keys %u", true, 60s, 0s, true},
      {"answer at the cache time", "/bin/keys %u", true, 300s, 0s, false},
      {"old answer", "/bin/keys %u", true, 301s, 0s, false},
      {"answer made during this lookup", "/bin/keys %u", true, 1s, 2s, true},
      {"answer of another command", "/bin/other %u", true, 1s, 0s, false},
      {"failure within the retry time", "/bin/keys %u", false, 9s, 0s, true},
      {"failure past the retry time", "/bin/keys %u", false, 10s, 0s, false},
      {"failure during this lookup", "/bin/keys %u", false, 11s, 12s, true},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    const auto now = t0 + 1h;
    px::DirectoryEntry entry{row.command, now - row.age, row.ok, {}};
    CHECK(px::entry_usable(entry, settings, now, now - row.since_ago) == row.usable);
  }
  // cache: 0 answers only from a run the lookup waited for.
  settings.cache = 0s;
  const auto now = t0 + 1h;
  CHECK_FALSE(px::entry_usable({settings.command, now, true, {}}, settings, now, now + 1s));
  CHECK(px::entry_usable({settings.command, now, true, {}}, settings, now, now));
}

TEST_CASE("keys_command cache: what one lookup of an offered key decides", "[keys_command]") {
  using namespace std::chrono_literals;
  const auto now = std::chrono::steady_clock::time_point{} + 10h;
  cfg::KeysCommand settings;
  settings.command = "/bin/keys %u";
  settings.cache = 5min;
  const cfg::AuthorizedKey key{"ssh-ed25519", kAlice, ""};
  const cfg::AuthorizedKey other{"ssh-ed25519", kBob, ""};
  auto fresh = [&](std::vector<cfg::AuthorizedKey> keys) {
    return px::DirectoryEntry{settings.command, now - 1min, true, std::move(keys)};
  };
  auto stale = [&](std::vector<cfg::AuthorizedKey> keys) {
    return px::DirectoryEntry{settings.command, now - 1h, true, std::move(keys)};
  };
  using Entries = std::map<std::string, px::DirectoryEntry, std::less<>>;
  struct Row {
    std::string what;
    Entries entries;
    px::KeyVerdict verdict;
    Words owners;
    Words unusable;
  };
  const std::vector<Row> rows = {
      {"nothing known yet: run for everyone", {}, px::KeyVerdict::refresh, {}, {"alice", "bob"}},
      {"fresh owner, the other fresh too", {{"alice", fresh({key})}, {"bob", fresh({other})}},
       px::KeyVerdict::one, {"alice"}, {}},
      {"fresh owner; the other's old answer did not list it",
       {{"alice", fresh({key})}, {"bob", stale({other})}}, px::KeyVerdict::one, {"alice"}, {"bob"}},
      {"fresh owner; the other's old answer listed it: ask again first",
       {{"alice", fresh({key})}, {"bob", stale({key})}}, px::KeyVerdict::refresh, {"alice"},
       {"bob"}},
      {"fresh owner; the other never asked: ask first (it might list the key too)",
       {{"alice", fresh({key})}}, px::KeyVerdict::refresh, {"alice"}, {"bob"}},
      {"only an old answer lists it", {{"alice", stale({key})}, {"bob", fresh({})}},
       px::KeyVerdict::refresh, {}, {"alice"}},
      {"nobody, all fresh", {{"alice", fresh({other})}, {"bob", fresh({})}},
       px::KeyVerdict::nobody, {}, {}},
      {"two fresh owners: conflict", {{"alice", fresh({key})}, {"bob", fresh({other, key})}},
       px::KeyVerdict::conflict, {"alice", "bob"}, {}},
      {"an answer for a removed user is not looked at",
       {{"alice", fresh({})}, {"bob", fresh({})}, {"zed", fresh({key})}}, px::KeyVerdict::nobody,
       {}, {}},
  };
  std::vector<cfg::User> users = {{"alice", {}, {}, {}}, {"bob", {}, {}, {}}};
  for (const auto& row : rows) {
    INFO(row.what);
    auto lookup = px::look_up_key(row.entries, users, settings, key.type, key.blob, now, now);
    CHECK(lookup.owners == row.owners);
    CHECK(lookup.unusable == row.unusable);
    CHECK(px::key_verdict(lookup) == row.verdict);
  }
}
