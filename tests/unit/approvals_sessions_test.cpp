// Sessions over the approvals channel (issue 13, section 2): who may see and end a session,
// `session ...` parsing, rows read back from `session.ended` events, filters, the table and
// JSON, and the commands against the real service with live sessions handed in.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "approvals/command_line.hpp"
#include "approvals/commands.hpp"
#include "approvals/session_access.hpp"
#include "approvals/session_list.hpp"
#include "storage/store.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
namespace cmd = holdgate::approvals::cmd;
using namespace std::chrono_literals;

namespace {

// users: bob [dev], alice [dba], ivan [dba-reviewer], olga [ops-reviewer], audra [auditor],
//        root [admin], carl [dba, dba-reviewer]
// roles: dev, dba, ops, dba-reviewer (reviews dba), ops-reviewer (reviews ops), auditor
//        (audit: true), admin (admin: true)
cfg::Role role_named(std::string name) {
  cfg::Role role;
  role.name = std::move(name);
  return role;
}

cfg::Config make_config() {
  cfg::Config c;
  c.users = {{"bob", {}, {"dev"}, {}},           {"alice", {}, {"dba"}, {}},
             {"ivan", {}, {"dba-reviewer"}, {}}, {"olga", {}, {"ops-reviewer"}, {}},
             {"audra", {}, {"auditor"}, {}},     {"root", {}, {"admin"}, {}},
             {"carl", {}, {"dba", "dba-reviewer"}, {}}};
  cfg::Role dba_reviewer = role_named("dba-reviewer");
  dba_reviewer.review = cfg::ReviewPolicy{{"dba"}};
  cfg::Role ops_reviewer = role_named("ops-reviewer");
  ops_reviewer.review = cfg::ReviewPolicy{{"ops"}};
  cfg::Role auditor = role_named("auditor");
  auditor.audit = true;
  cfg::Role admin = role_named("admin");
  admin.admin = true;
  c.roles = {role_named("dev"), role_named("dba"), role_named("ops"), dba_reviewer, ops_reviewer,
             auditor, admin};
  return c;
}

struct AccessRow {
  const char* viewer;
  ap::SessionOwner owner;
  bool sees, kills;
};

const ap::SessionOwner alice_dba{"alice", {"dba"}, ""};
const ap::SessionOwner carl_dba{"carl", {"dba"}, "req-1"};
const ap::SessionOwner bob_ops{"bob", {"ops"}, "req-2"};
const ap::SessionOwner bob_no_roles{"bob", {}, ""};

const std::vector<AccessRow> access_rows = {
    {"alice", alice_dba, true, false},   // her own: she sees it, and exits it herself
    {"ivan", alice_dba, true, true},     // reviews dba
    {"olga", alice_dba, false, false},   // reviews ops, not dba
    {"bob", alice_dba, false, false},    // nothing to do with it
    {"audra", alice_dba, true, false},   // audits everything, ends nothing
    {"root", alice_dba, false, false},   // an admin who may not see it may not end it
    {"carl", carl_dba, true, false},     // a reviewer of its role, but it is his own
    {"ivan", carl_dba, true, true},
    {"olga", bob_ops, true, true},
    {"ivan", bob_ops, false, false},
    {"bob", bob_no_roles, true, false},
    {"ivan", bob_no_roles, false, false},
};

}  // namespace

TEST_CASE("who may see and end a session", "[sessions]") {
  const cfg::Config config = make_config();
  for (const auto& row : access_rows) {
    const cfg::User* viewer = config.find_user(row.viewer);
    REQUIRE(viewer != nullptr);
    INFO(row.viewer << " on " << row.owner.person << "'s session");
    CHECK(ap::may_see_session(config, *viewer, row.owner) == row.sees);
    CHECK(ap::may_kill_session(config, *viewer, row.owner) == row.kills);
  }
  // An admin who may see it (here by auditing too) may end it.
  cfg::Config both = config;
  both.users.push_back({"ada", {}, {"admin", "auditor"}, {}});
  CHECK(ap::may_kill_session(both, *both.find_user("ada"), alice_dba));
}

TEST_CASE("session commands parse", "[sessions][commands]") {
  struct Row {
    std::string line;
    std::optional<ap::Command> command;
    std::string error;
  };
  const std::vector<Row> rows = {
      {"session list", cmd::SessionList{}, ""},
      {"session list --live --user bob --target db-1 --since 2h --format json",
       cmd::SessionList{true, "bob", "db-1", 2h, true}, ""},
      {"session watch 1a2b3c4d", cmd::SessionWatch{"1a2b3c4d"}, ""},
      {"session kill 1a2b3c4d --reason 'incident 7'", cmd::SessionKill{"1a2b3c4d", "incident 7"}, ""},
      {"session kill 1a2b3c4d", std::nullopt,
       "missing --reason (say why the session is ended; its person is told)"},
      {"session watch", std::nullopt, ""},
      {"session", std::nullopt, "expected a command after 'session': list, watch, kill, play or export"},
      {"session frob", std::nullopt, "unknown command 'session frob'"},
      {"session list --since soon", std::nullopt, ""},
      {"session list --format yaml", std::nullopt, ""},
  };
  for (const auto& row : rows) {
    INFO(row.line);
    auto parsed = ap::parse_command_line(row.line);
    if (row.command) {
      REQUIRE(std::holds_alternative<ap::Command>(parsed));
      CHECK(std::get<ap::Command>(parsed) == *row.command);
    } else {
      REQUIRE(std::holds_alternative<ap::UsageError>(parsed));
      if (!row.error.empty()) CHECK(std::get<ap::UsageError>(parsed).message == row.error);
    }
  }
}

namespace {

const ap::TimePoint t0 = ap::TimePoint{} + std::chrono::hours(497'000);

holdgate::storage::AuditEvent ended_event(std::string details, ap::TimePoint at = t0,
                                          std::string kind = "session.ended") {
  return {at, std::move(kind), "alice", "192.0.2.7:4444", "root@db-1", std::move(details)};
}

}  // namespace

TEST_CASE("a session.ended event reads back as a row", "[sessions]") {
  auto row = ap::session_from_event(ended_event(
      R"({"session":"1a2b3c4d","kind":"exec","command":"uptime","roles":["dba"],"request":"req-9",)"
      R"("exit_status":3,"bytes_in":1,"bytes_out":2,"duration":90.5,"recording":"/r/x.cast","sha256":"ab"})"));
  REQUIRE(row);
  CHECK(row->id == "1a2b3c4d");
  CHECK(row->owner.person == "alice");
  CHECK(row->owner.roles == std::vector<std::string>{"dba"});
  CHECK(row->owner.request_id == "req-9");
  CHECK(row->login == "root");
  CHECK(row->target == "db-1");
  CHECK(row->source == "192.0.2.7:4444");
  CHECK(row->kind == "exec");
  CHECK(row->command == "uptime");
  CHECK(row->exit_status == 3);
  CHECK(row->duration == 90500ms);
  CHECK(row->started == t0 - 90500ms);
  CHECK(row->recording == "/r/x.cast");
  CHECK_FALSE(row->live);

  // Not a session's end, or one that cannot be read: no row.
  CHECK_FALSE(ap::session_from_event(ended_event(R"({"session":"1a2b3c4d"})", t0, "session.exec")));
  CHECK_FALSE(ap::session_from_event(ended_event("not json")));
  CHECK_FALSE(ap::session_from_event(ended_event(R"({"kind":"shell"})")));
  // Written before sessions named their roles: nobody's roles, still the person's own.
  auto old = ap::session_from_event(ended_event(R"({"session":"5e5e5e5e","kind":"shell"})"));
  REQUIRE(old);
  CHECK(old->owner.roles.empty());
  CHECK(old->duration == 0ms);
}

TEST_CASE("session list filters", "[sessions]") {
  ap::SessionRow finished;
  finished.owner.person = "alice";
  finished.target = "db-1";
  finished.started = t0 - 3h;
  finished.duration = 1h;  // ended two hours ago
  ap::SessionRow live = finished;
  live.live = true;
  live.started = t0 - 48h;
  struct Row {
    const char* what;
    cmd::SessionList filter;
    bool finished_shown, live_shown;
  };
  const std::vector<Row> rows = {
      {"defaults (24h)", {}, true, true},
      {"--live", {true, "", "", 24h, false}, false, true},
      {"--since 1h: it ended before", {false, "", "", 1h, false}, false, true},
      {"--since 2h: it ended just then", {false, "", "", 2h, false}, true, true},
      {"--user alice", {false, "alice", "", 24h, false}, true, true},
      {"--user bob", {false, "bob", "", 24h, false}, false, false},
      {"--target db-1", {false, "", "db-1", 24h, false}, true, true},
      {"--target db-2", {false, "", "db-2", 24h, false}, false, false},
      {"--since longer than the clock has run", {false, "", "", std::chrono::hours(24 * 365 * 300), false}, true, true},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    CHECK(ap::session_matches(row.filter, finished, t0) == row.finished_shown);
    CHECK(ap::session_matches(row.filter, live, t0) == row.live_shown);
  }
}

TEST_CASE("session durations read at a glance", "[sessions]") {
  CHECK(ap::session_duration(0ms) == "0s");
  CHECK(ap::session_duration(59999ms) == "59s");
  CHECK(ap::session_duration(245s) == "4m05s");
  CHECK(ap::session_duration(2h + 7min + 3s) == "2h07m");
}

namespace {

ap::SessionRow sample_row(std::string id, bool live) {
  ap::SessionRow row;
  row.id = std::move(id);
  row.owner = {"alice", {"dba"}, live ? "" : "req-1"};
  row.login = "root";
  row.target = "db-1";
  row.source = "192.0.2.7:4444";
  row.started = t0;
  row.duration = 75s;
  row.kind = live ? "shell" : "exec";
  row.command = live ? "" : "uptime\x1b[2J";
  row.live = live;
  row.pty = live;
  if (!live) row.exit_status = 0;
  return row;
}

}  // namespace

TEST_CASE("session table and JSON", "[sessions]") {
  CHECK(ap::render_session_table({}) == "No sessions.\n");
  const std::string table = ap::render_session_table({sample_row("1a2b3c4d", true), sample_row("5e6f7a8b", false)});
  CHECK(table ==
        "ID        Person  Access     Started (UTC)        Duration  Kind                 Status\n"
        "1a2b3c4d  alice   root@db-1  12 Sep 26 08:00 UTC  1m15s     shell                LIVE\n"
        "5e6f7a8b  alice   root@db-1  12 Sep 26 08:00 UTC  1m15s     exec: uptime\\x1b[2J  exit 0\n");
  CHECK(ap::sessions_json({sample_row("5e6f7a8b", false)}) ==
        R"([{"id":"5e6f7a8b","person":"alice","login":"root","target":"db-1","source":"192.0.2.7:4444",)"
        R"("started":"2026-09-12T08:00:00Z","duration":75,"kind":"exec","command":"uptime\u001b[2J",)"
        R"("live":false,"pty":false,"exit_status":0,"exit_signal":null,"roles":["dba"],"request":"req-1",)"
        R"("recording":null}])");
}

namespace {

// The commands over the real service on a fresh SQLite file, with live sessions handed in.
struct Harness {
  cfg::Config config = make_config();
  std::filesystem::path path;
  std::unique_ptr<holdgate::storage::Store> store;
  ap::TimePoint now = t0;
  std::unique_ptr<ap::RequestService> service;
  ap::CommandContext context;
  std::vector<ap::SessionRow> live;
  std::map<std::string, std::string> killed;  // id -> message

  Harness() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("holdgate-sessions-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db");
    std::filesystem::remove(path);
    auto opened = holdgate::storage::open_sqlite_store(path.string());
    REQUIRE(std::holds_alternative<std::unique_ptr<holdgate::storage::Store>>(opened));
    store = std::move(std::get<std::unique_ptr<holdgate::storage::Store>>(opened));
    service = std::make_unique<ap::RequestService>(config, *store, [this] { return now; },
                                                   [] { return std::string("req-x"); });
    context.live_sessions = [this] { return live; };
    context.kill_session = [this](const std::string& id, const std::string& message) {
      killed[id] = message;
      return true;
    };
  }
  ~Harness() {
    service.reset();
    store.reset();
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path.string() + suffix, ignored);
  }
  ap::CommandResult run(const std::string& who, const std::string& line) {
    ap::Caller caller{config.find_user(who), "192.0.2.1:5555"};
    return ap::run_command(line, *service, caller, context);
  }
};

void check_refused(const ap::CommandResult& result, const std::string& sentence) {
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(result.err == "holdgate: " + sentence + "\n");
  CHECK(result.watch_session.empty());
}

}  // namespace

TEST_CASE("session list: finished from the trail, live from the proxy, as each viewer may see",
          "[sessions][commands]") {
  Harness h;
  h.service->record(ended_event(R"({"session":"5e6f7a8b","kind":"shell","roles":["dba"],"duration":60})",
                                t0 - 1h));
  h.live.push_back(sample_row("1a2b3c4d", true));
  auto ids = [&](const std::string& who, const std::string& flags = "") {
    auto result = h.run(who, "session list --format json" + flags);
    REQUIRE(result.exit_code == 0);
    std::vector<std::string> found;
    for (std::size_t at = 0; (at = result.out.find("\"id\":\"", at)) != std::string::npos; at += 6) {
      found.push_back(result.out.substr(at + 6, 8));
    }
    return found;
  };
  const std::vector<std::string> both = {"1a2b3c4d", "5e6f7a8b"};
  CHECK(ids("alice") == both);
  CHECK(ids("ivan") == both);
  CHECK(ids("audra") == both);
  CHECK(ids("olga").empty());
  CHECK(ids("bob").empty());
  CHECK(ids("alice", " --live") == std::vector<std::string>{"1a2b3c4d"});
  CHECK(ids("ivan", " --user alice --since 30m") == std::vector<std::string>{"1a2b3c4d"});
  CHECK(h.run("bob", "session list").out == "No sessions.\n");
  check_refused(h.run("bob", "session list --user alice"),
                "you may see only your own sessions; alice's are for reviewers of their roles and audit roles");
  // A reviewer of other roles asks by name and sees only what they may.
  CHECK(ids("olga", " --user alice").empty());
}

TEST_CASE("session watch and kill: one sentence for each refusal", "[sessions][commands]") {
  Harness h;
  h.live.push_back(sample_row("1a2b3c4d", true));
  ap::SessionRow exec = sample_row("9f9f9f9f", true);
  exec.pty = false;
  exec.kind = "exec";
  exec.command = "backup.sh";
  h.live.push_back(exec);
  h.service->record(ended_event(R"({"session":"5e6f7a8b","kind":"shell","roles":["dba"]})", t0 - 1h));

  auto watch = h.run("ivan", "session watch 1a2b3c4d");
  CHECK(watch.exit_code == 0);
  CHECK(watch.out == "watching alice's session root@db-1 (read-only; q or Ctrl-C to stop)\n");
  CHECK(watch.watch_session == "1a2b3c4d");
  CHECK(h.run("alice", "session watch 1a2b3c4d").watch_session == "1a2b3c4d");
  check_refused(h.run("bob", "session watch 1a2b3c4d"), "session 1a2b3c4d is neither yours nor one you may review");
  check_refused(h.run("ivan", "session watch 9f9f9f9f"),
                "session 9f9f9f9f has no terminal to watch (it runs backup.sh)");
  check_refused(h.run("ivan", "session watch 5e6f7a8b"),
                "session 5e6f7a8b is not live: it ended at 12 Sep 26 07:00 UTC");
  check_refused(h.run("bob", "session watch 5e6f7a8b"), "no live session 5e6f7a8b (session list --live shows them)");
  check_refused(h.run("ivan", "session watch 00000000"), "no live session 00000000 (session list --live shows them)");

  check_refused(h.run("alice", "session kill 1a2b3c4d --reason x"), "session 1a2b3c4d is your own: exit it to end it");
  check_refused(h.run("audra", "session kill 1a2b3c4d --reason x"),
                "only reviewers of its roles and admins may end alice's session 1a2b3c4d");
  check_refused(h.run("bob", "session kill 1a2b3c4d --reason x"), "session 1a2b3c4d is neither yours nor one you may review");
  CHECK(h.killed.empty());
  auto kill = h.run("ivan", "session kill 1a2b3c4d --reason 'incident 7\x1b[2J'");
  CHECK(kill.exit_code == 0);
  CHECK(kill.out == "Session 1a2b3c4d of alice (root@db-1) ended: incident 7\\x1b[2J\n");
  CHECK(h.killed["1a2b3c4d"] == "holdgate: your session was ended by ivan: incident 7\\x1b[2J");
  auto events = h.service->history(ap::TimePoint{});
  REQUIRE(events.back().kind == "session.killed");
  CHECK(events.back().actor == "ivan");
  CHECK(events.back().subject == "root@db-1");

  h.context.kill_session = [](const std::string&, const std::string&) { return false; };  // gone meanwhile
  check_refused(h.run("ivan", "session kill 1a2b3c4d --reason x"), "session 1a2b3c4d has already ended");
}
