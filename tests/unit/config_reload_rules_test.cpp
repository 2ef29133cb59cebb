// The reload rules (config/reload_rules.hpp): which settings need a restart and are kept, and
// whose connections a new config no longer admits. Tables over plain Configs.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "config/reload_rules.hpp"

namespace cfg = holdgate::config;
using namespace std::chrono_literals;
using Names = std::vector<std::string>;

namespace {

cfg::Config running_config() {
  cfg::Config config;
  config.listen = {"127.0.0.1", 2222};
  config.state_dir = "/var/lib/holdgate";
  config.upstream = {"/var/lib/holdgate/upstream_ed25519", "/var/lib/holdgate/known_hosts"};
  config.recording.dir = "/var/lib/holdgate/recordings";
  config.users.push_back({"alice", {{"ssh-ed25519", "AAAAalice1", ""}, {"ssh-ed25519", "AAAAalice2", ""}}, {"dev"}, {}});
  config.users.push_back({"bob", {{"ssh-ed25519", "AAAAbob", ""}}, {"dev"}, {}});
  return config;
}

}  // namespace

TEST_CASE("keep_restart_settings names and puts back what needs a restart, and keeps the rest", "[config][reload]") {
  struct Row {
    const char* change;
    std::function<void(cfg::Config&)> edit;
    Names kept;
  };
  const std::vector<Row> rows{
      {"nothing", [](cfg::Config&) {}, {}},
      {"a new user", [](cfg::Config& c) { c.users.push_back({"carol", {}, {}, {}}); }, {}},
      {"a new target", [](cfg::Config& c) { c.targets.push_back({"db-1", {"10.0.0.1", 22}, {}}); }, {}},
      {"login_grace", [](cfg::Config& c) { c.limits.login_grace = 5s; }, {}},
      {"max_sessions", [](cfg::Config& c) { c.limits.max_sessions = 3; }, {}},
      {"recording mode", [](cfg::Config& c) { c.recording.mode = cfg::RecordingMode::all; }, {}},
      {"listen port", [](cfg::Config& c) { c.listen.port = 2200; }, {"listen"}},
      {"listen host", [](cfg::Config& c) { c.listen.host = "0.0.0.0"; }, {"listen"}},
      {"state_dir", [](cfg::Config& c) { c.state_dir = "/srv/holdgate"; }, {"state_dir"}},
      {"storage", [](cfg::Config& c) { c.storage.postgres = "postgresql://db/holdgate"; }, {"storage"}},
      {"host_keys", [](cfg::Config& c) { c.host_keys = {"/etc/holdgate/key"}; }, {"host_keys"}},
      {"upstream identity", [](cfg::Config& c) { c.upstream.identity = "/etc/holdgate/id"; }, {"upstream"}},
      {"recording dir", [](cfg::Config& c) { c.recording.dir = "/srv/rec"; }, {"recording.dir"}},
      {"audit checkpoints", [](cfg::Config& c) { c.audit.checkpoint_every = 5; }, {"audit"}},
      {"metrics on", [](cfg::Config& c) { c.metrics.listen = cfg::Address{"127.0.0.1", 9312}; }, {"metrics"}},
      {"web on", [](cfg::Config& c) { c.web.listen = cfg::Address{"127.0.0.1", 8443}; }, {"web"}},
      {"web session lifetime", [](cfg::Config& c) { c.web.session_lifetime = std::chrono::hours(1); }, {"web"}},
      {"web url", [](cfg::Config& c) { c.web.url = "https://other.example"; }, {"web"}},
      {"max_startups", [](cfg::Config& c) { c.limits.max_startups = 7; }, {"limits (start-ups and penalties)"}},
      {"penalty exempt", [](cfg::Config& c) { c.limits.per_source_penalties.exempt.push_back({}); },
       {"limits (start-ups and penalties)"}},
      {"port and storage", [](cfg::Config& c) { c.listen.port = 1; c.storage.postgres = "x"; },
       {"listen", "storage"}},
  };
  for (const auto& row : rows) {
    INFO(row.change);
    const auto running = running_config();
    auto loaded = running_config();
    row.edit(loaded);
    auto edited = loaded;
    CHECK(cfg::keep_restart_settings(running, loaded) == row.kept);
    // Put back: the running values stand, and a second pass finds nothing left to keep.
    CHECK(loaded.listen.port == running.listen.port);
    CHECK(loaded.listen.host == running.listen.host);
    CHECK(loaded.state_dir == running.state_dir);
    CHECK(loaded.storage.postgres == running.storage.postgres);
    CHECK(loaded.recording.dir == running.recording.dir);
    CHECK(loaded.limits.max_startups == running.limits.max_startups);
    CHECK(cfg::keep_restart_settings(running, loaded).empty());
    // What may change at once is left as loaded.
    CHECK(loaded.users.size() == edited.users.size());
    CHECK(loaded.targets.size() == edited.targets.size());
    CHECK(loaded.limits.login_grace == edited.limits.login_grace);
    CHECK(loaded.limits.max_sessions == edited.limits.max_sessions);
    CHECK(loaded.recording.mode == edited.recording.mode);
  }
}

TEST_CASE("still_admits: a connection ends when its person or the key it used is gone", "[config][reload]") {
  struct Row {
    const char* person;
    const char* key;
    bool admitted;
  };
  const auto config = running_config();
  const std::vector<Row> rows{
      {"alice", "AAAAalice1", true},
      {"alice", "AAAAalice2", true},
      {"bob", "AAAAbob", true},
      {"alice", "AAAAbob", false},      // bob's key is not alice's
      {"alice", "AAAAremoved", false},  // a key taken out of her list
      {"carol", "AAAAcarol", false},    // a user taken out of the config
      {"Alice", "AAAAalice1", false},   // names are exact
      {"alice", "", false},
  };
  for (const auto& row : rows) {
    INFO(row.person << " " << row.key);
    CHECK(cfg::still_admits(config, row.person, row.key) == row.admitted);
  }
}

TEST_CASE("still_admits: with a keys_command, a key no user lists came from the directory", "[config][reload]") {
  struct Row {
    const char* person;
    const char* key;
    bool admitted;
  };
  auto config = running_config();
  config.keys_command.command = "/usr/bin/sss_ssh_authorizedkeys %u";
  config.keys_command.argv = {"/usr/bin/sss_ssh_authorizedkeys", "%u"};
  const std::vector<Row> rows{
      {"alice", "AAAAalice1", true},     // inline, as before
      {"alice", "AAAAdirectory", true},  // listed by nobody inline: the directory's
      {"alice", "AAAAbob", false},       // inline for bob: never alice's
      {"carol", "AAAAdirectory", false}, // a user taken out of the config still ends
  };
  for (const auto& row : rows) {
    INFO(row.person << " " << row.key);
    CHECK(cfg::still_admits(config, row.person, row.key) == row.admitted);
  }
}
