// The approvals channel's commands executed against the real RequestService over a real
// SQLite store in a temporary file (parsing: approvals_command_line_test.cpp).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "approvals/command_line.hpp"
#include "approvals/commands.hpp"
#include "approvals/service.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
namespace cmd = holdgate::approvals::cmd;
using namespace std::chrono_literals;
using ap::Command;
using ap::Decision;
using ap::ListScope;

// ---------------------------------------------------------------------------------------------
// run_command against the real service and store

namespace {

// users:  bob [dev], alice [dev, dba-reviewer], ivan [dba-reviewer], erin [] (nothing),
//         audra [auditor]
// roles:  dev     request {roles: [dba], reviewers: [alice, ivan], approve: 2, deny: 1, ttl: 1h}
//         dba     allow root on {kind: db}; max_duration 8h
//         dba-reviewer  review {roles: [dba]}
//         auditor audit: true
cfg::Config make_config() {
  cfg::Config c;
  c.targets = {{"db-1", {"10.0.0.1", 22}, {{"kind", "db"}}}};
  c.users = {
      {"bob", {}, {"dev"}, {}},
      {"alice", {}, {"dev", "dba-reviewer"}, {}},
      {"ivan", {}, {"dba-reviewer"}, {}},
      {"erin", {}, {}, {}},
      {"audra", {}, {"auditor"}, {}},
  };
  cfg::Role dev{"dev", {}, cfg::RequestPolicy{{"dba"}, {"alice", "ivan"}, 2, 1, 1h,
                                              cfg::RequestPolicy::Reason::required},
                {}, 1h};
  cfg::Role dba{"dba", {{{"root"}, cfg::LabelSelector{false, {{"kind", {"db"}}}}}}, {}, {}, 8h};
  cfg::Role reviewer{"dba-reviewer", {}, {}, cfg::ReviewPolicy{{"dba"}}, 1h};
  cfg::Role auditor;
  auditor.name = "auditor";
  auditor.audit = true;
  c.roles = {dev, dba, reviewer, auditor};
  return c;
}

const std::string kInvocation = "ssh -p 2222 approvals@bastion";

// A service over a fresh SQLite file, a clock the test moves, and ids req-1, req-2, ...
struct Harness {
  cfg::Config config = make_config();
  std::filesystem::path path;
  std::unique_ptr<holdgate::storage::Store> store;
  ap::TimePoint now = ap::TimePoint{} + std::chrono::hours(497'000);  // in 2026
  int next_id = 0;
  std::unique_ptr<ap::RequestService> service;
  ap::CommandContext context;

  Harness() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("holdgate-commands-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++) + ".db");
    std::filesystem::remove(path);
    auto opened = holdgate::storage::open_sqlite_store(path.string());
    if (auto* error = std::get_if<holdgate::storage::StoreError>(&opened)) {
      FAIL("open_sqlite_store: " << error->message);
    }
    store = std::move(std::get<std::unique_ptr<holdgate::storage::Store>>(opened));
    service = std::make_unique<ap::RequestService>(
        config, *store, [this] { return now; },
        [this] { return "00000000-0000-4000-8000-00000000000" + std::to_string(++next_id); });
    context.invocation = kInvocation;
  }
  ~Harness() {
    service.reset();
    store.reset();
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path.string() + suffix, ignored);
    }
  }

  ap::CommandResult run(const std::string& who, const std::string& line) {
    ap::Caller caller{config.find_user(who), "192.0.2.1:5555"};
    return ap::run_command(line, *service, caller, context);
  }

  // bob asks for dba; returns the new id.
  std::string create(const std::string& reason = "ticket #123") {
    auto result = run("bob", "request create --roles dba --reason '" + reason + "'");
    REQUIRE(result.exit_code == 0);
    return "00000000-0000-4000-8000-00000000000" + std::to_string(next_id);
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A refusal is exactly one line on stderr, nothing on stdout.
void check_refused(const ap::CommandResult& result, const std::string& sentence) {
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(result.err == "holdgate: " + sentence + "\n");
  CHECK_FALSE(result.start_watch);
}

}  // namespace

TEST_CASE("run_command: create prints the id, what it needs, and who can review", "[commands]") {
  Harness h;
  auto result = h.run("bob", "request create --roles dba --reason 'ticket #123'");
  const std::string id = "00000000-0000-4000-8000-000000000001";
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(result.out == "Request " + id + " created for role dba (root on kind=db): needs 2 approvals.\n"
                      "Reviewers: alice, ivan\n"
                      "Approve with: ssh -p 2222 approvals@bastion request review --approve " + id +
                      "\n");
}

TEST_CASE("run_command: usage errors exit 2 with the usage on stderr", "[commands]") {
  Harness h;
  auto result = h.run("bob", "request create --roles dba --reason ticket #123");
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  CHECK(result.err ==
        "holdgate: unexpected argument '#123'; quote text with spaces: " + kInvocation +
            " \"request create --roles dba --reason 'ticket #123'\"\n\n" + ap::usage_text(kInvocation));
  CHECK(h.next_id == 0);  // nothing was created

  CHECK(h.run("bob", "").exit_code == 2);
  CHECK(h.run("bob", "request review --approve --deny x").exit_code == 2);
  CHECK(h.run("bob", "history --since soon").exit_code == 2);
}

TEST_CASE("run_command: help exits 0 with the usage on stdout", "[commands]") {
  Harness h;
  for (const char* line : {"help", "--help", "request review -h"}) {
    CAPTURE(line);
    auto result = h.run("bob", line);
    CHECK(result.exit_code == 0);
    CHECK(result.out == ap::usage_text(kInvocation));
    CHECK(result.err.empty());
  }
}

TEST_CASE("run_command: refusals exit 1 with one sentence", "[commands]") {
  Harness h;
  check_refused(h.run("bob", "request create --roles ops --reason x"), "no role named 'ops'");
  check_refused(h.run("bob", "request create --roles dba-reviewer --reason x"),
                "you cannot request role 'dba-reviewer'");
  const std::string id = h.create();
  check_refused(h.run("bob", "request review --approve " + id),
                "you cannot review your own request");
  check_refused(h.run("erin", "request review --approve " + id),
                "request " + id + " is neither yours nor one you may review");
  check_refused(h.run("alice", "request cancel " + id), "only bob can cancel this request");
  check_refused(h.run("alice", "request show nope"), "no request with ID 'nope'");
  // What people typed is made harmless before it reaches the terminal.
  check_refused(h.run("alice", "request show '\x1b[2J'"), "no request with ID '\\x1b[2J'");

  ap::Caller nobody{nullptr, "192.0.2.9:1"};
  check_refused(ap::run_command("request list", *h.service, nobody, h.context),
                "you are not a configured user");
}

TEST_CASE("run_command: reviews add up to a decision", "[commands]") {
  Harness h;
  const std::string id = h.create();
  auto first = h.run("alice", "request review --approve --reason 'looks fine' " + id);
  CHECK(first.exit_code == 0);
  CHECK(first.out == "Approved request " + id + ": 1 of 2 approvals so far.\n");

  check_refused(h.run("alice", "request review --approve " + id),
                "you have already reviewed request " + id);

  auto second = h.run("ivan", "request review --approve " + id);
  CHECK(second.exit_code == 0);
  CHECK(contains(second.out, "Request " + id + " is APPROVED: bob holds role dba (root on kind=db) until "));

  auto late = h.run("ivan", "request review --deny " + id);
  CHECK(late.exit_code == 1);
  CHECK(contains(late.err, "holdgate: "));
  CHECK(late.err.find('\n') == late.err.size() - 1);

  auto shown = h.run("bob", "request show " + id);
  CHECK(shown.exit_code == 0);
  CHECK(contains(shown.out, "APPROVED"));
  CHECK(contains(shown.out, "✔ alice approved: \"looks fine\" at "));
  CHECK(contains(shown.out, "✔ ivan approved at "));
  CHECK(contains(shown.out, "Grant expires:"));
}

TEST_CASE("run_command: a denial ends the request", "[commands]") {
  Harness h;
  const std::string id = h.create();
  auto denied = h.run("ivan", "request review --deny --reason 'no ticket' " + id);
  CHECK(denied.exit_code == 0);
  CHECK(denied.out == "Request " + id + " is DENIED.\n");
  auto shown = h.run("bob", "request show " + id);
  CHECK(contains(shown.out, "✘ ivan denied: \"no ticket\" at "));
  CHECK(contains(shown.out, "DENIED"));
}

TEST_CASE("run_command: cancel", "[commands]") {
  Harness h;
  const std::string id = h.create();
  auto cancelled = h.run("bob", "request cancel " + id);
  CHECK(cancelled.exit_code == 0);
  CHECK(cancelled.out == "Request " + id + " cancelled.\n");
  auto again = h.run("bob", "request cancel " + id);
  CHECK(again.exit_code == 1);
}

TEST_CASE("run_command: list scopes, the waiting marker, JSON", "[commands]") {
  Harness h;
  const std::string id = h.create();
  h.context.waiting = [&](const std::string& request_id) { return request_id == id; };

  auto bob = h.run("bob", "request list");  // his own
  CHECK(bob.exit_code == 0);
  CHECK(contains(bob.out, "ID"));
  CHECK(contains(bob.out, id));
  CHECK(contains(bob.out, "PENDING (waiting)"));
  CHECK(contains(h.run("alice", "request list").out, id));           // reviewable
  CHECK(contains(h.run("alice", "request list --reviewable").out, id));
  CHECK(h.run("alice", "request list --mine").out == "No requests.\n");
  CHECK(h.run("erin", "request list").out == "No requests.\n");
  CHECK(contains(h.run("audra", "request list --all").out, id));

  auto json = h.run("bob", "request list --format json");
  CHECK(json.exit_code == 0);
  CHECK(json.out.rfind("[{\"id\":\"" + id + "\",\"user\":\"bob\",\"roles\":[\"dba\"],", 0) == 0);
  CHECK(contains(json.out, "\"state\":\"PENDING\""));
  CHECK(contains(json.out, "\"approvals_needed\":2"));
  CHECK(json.out.substr(json.out.size() - 3) == "}]\n");
  CHECK(h.run("erin", "request list --format json").out == "[]\n");

  auto one = h.run("alice", "request show --format json " + id);
  CHECK(one.out.rfind("{\"id\":\"" + id + "\"", 0) == 0);
  CHECK(contains(one.out, "\"reason\":\"ticket #123\""));
  CHECK(contains(one.out, "\"reviews\":[]"));
  CHECK(contains(one.out, "\"grant_expires\":null"));
  CHECK(one.out.back() == '\n');
  CHECK(std::count(one.out.begin(), one.out.end(), '\n') == 1);
}

TEST_CASE("run_command: show marks expiry when the time has come", "[commands]") {
  Harness h;
  const std::string id = h.create();
  h.now += 2h;
  auto shown = h.run("alice", "request show " + id);
  CHECK(shown.exit_code == 0);
  CHECK(contains(shown.out, "EXPIRED"));
  auto review = h.run("alice", "request review --approve " + id);
  CHECK(review.exit_code == 1);
}

TEST_CASE("run_command: watch asks the proxy to stream; watch_line is one JSON line",
          "[commands]") {
  Harness h;
  auto watch = h.run("alice", "request watch");
  CHECK(watch.exit_code == 0);
  CHECK(watch.start_watch);
  CHECK(watch.out.empty());
  CHECK(watch.err.empty());

  std::vector<std::string> lines;
  auto subscription = h.service->events().subscribe(
      [&](const ap::RequestChange& change) { lines.push_back(ap::watch_line(h.config, change)); });
  const std::string id = h.create("line\nbreak \x1b[31m");
  h.run("alice", "request review --approve " + id);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("{\"event\":\"request.created\",\"id\":\"" + id + "\",\"user\":\"bob\"", 0) == 0);
  CHECK(contains(lines[0], "\"reason\":\"line\\nbreak \\u001b[31m\""));
  CHECK(lines[1].rfind("{\"event\":\"request.reviewed\",", 0) == 0);
  CHECK(contains(lines[1], "\"approvals\":1"));
  // Watchers read what is asked for in the same words as every other view.
  CHECK(contains(lines[0], "\"scope\":\"role dba (root on kind=db)\",\"break_glass\":false"));
  for (const auto& line : lines) {
    CHECK(line.back() == '\n');
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  }
  auto shown = h.service->show(id);
  REQUIRE(std::holds_alternative<ap::AccessRequest>(shown));
  const ap::RequestChange change{"request.reviewed", std::get<ap::AccessRequest>(shown)};
  CHECK(ap::watch_concerns(h.config, "bob", change));
  CHECK(ap::watch_concerns(h.config, "ivan", change));
  CHECK_FALSE(ap::watch_concerns(h.config, "erin", change));
}

TEST_CASE("run_command: history shows events and resolved requests", "[commands]") {
  Harness h;
  const std::string approved = h.create("first");
  h.run("alice", "request review --approve " + approved);
  h.run("ivan", "request review --approve " + approved);
  const std::string pending = h.create("second");

  auto history = h.run("audra", "history");
  CHECK(history.exit_code == 0);
  CHECK(contains(history.out, "request.created"));
  CHECK(contains(history.out, "request.approved"));
  CHECK(contains(history.out, approved));
  CHECK(contains(history.out, "\nResolved since "));
  CHECK(contains(history.out, "Resolved (UTC)"));
  // Only the resolved request is in the table after the events.
  const auto table = history.out.substr(history.out.find("\nResolved since "));
  CHECK(contains(table, approved));
  CHECK_FALSE(contains(table, pending));

  auto json = h.run("audra", "history --format json");
  CHECK(json.exit_code == 0);
  CHECK(json.out.rfind("[{\"at\":\"", 0) == 0);
  CHECK(contains(json.out, "\"kind\":\"request.approved\""));
  CHECK(contains(json.out, "\"actor\":\"ivan\""));
  CHECK(contains(json.out, "\"source\":\"192.0.2.1:5555\""));

  // Two days later only what happened in the last hour shows: the second request expiring
  // (the service expires it as history is read), not the approval long ago.
  h.now += 48h;
  auto later = h.run("audra", "history --since 1h");
  CHECK(later.exit_code == 0);
  CHECK(contains(later.out, "request.expired"));
  CHECK_FALSE(contains(later.out, "request.approved"));
  CHECK(contains(later.out, pending));
  CHECK_FALSE(contains(later.out, approved));

  h.now += 48h;
  auto quiet = h.run("audra", "history --since 1h");
  CHECK(quiet.out.rfind("No events since ", 0) == 0);
  CHECK_FALSE(contains(quiet.out, "Resolved since"));
}

TEST_CASE("run_command: people see their own requests and those they may review", "[commands]") {
  Harness h;
  const std::string id = h.create();
  CHECK(h.run("bob", "request show " + id).exit_code == 0);    // his own
  CHECK(h.run("alice", "request show " + id).exit_code == 0);  // she may review it
  CHECK(h.run("audra", "request show --format json " + id).exit_code == 0);  // audits
  check_refused(h.run("erin", "request show " + id),
                "request " + id + " is neither yours nor one you may review");
  check_refused(h.run("erin", "request show --format json " + id),
                "request " + id + " is neither yours nor one you may review");
  // Reviewing or cancelling someone else's request tells no more than showing it: not its
  // roles, not whether it could be reviewed.
  for (const char* command : {"request review --approve ", "request review --deny --reason x ",
                              "request cancel "}) {
    CAPTURE(command);
    check_refused(h.run("erin", command + id),
                  "request " + id + " is neither yours nor one you may review");
  }
  CHECK(h.run("bob", "request show " + id).out.find("PENDING") != std::string::npos);

  // A reviewer still sees it once it is decided.
  h.run("alice", "request review --deny --reason no " + id);
  CHECK(h.run("ivan", "request show " + id).exit_code == 0);

  const std::string all_refused =
      "request list --all is only for a role with audit: true; request list shows your own "
      "requests and those you may review";
  check_refused(h.run("erin", "request list --all"), all_refused);
  check_refused(h.run("bob", "request list --all --format json"), all_refused);
  check_refused(h.run("alice", "request list --all"), all_refused);
  CHECK(contains(h.run("audra", "request list --all --format json").out, id));
}

TEST_CASE("run_command: history keeps to what concerns the caller unless they audit",
          "[commands]") {
  Harness h;
  const std::string id = h.create("first");
  h.run("alice", "request review --approve " + id);
  h.service->record({h.now, "login.allowed", "bob", "198.51.100.7:4242", "root@db-1", "role dba"});
  h.service->record({h.now, "login.denied", "ivan", "203.0.113.9:999", "root@db-1", "no role"});

  auto bob = h.run("bob", "history --format json");
  CHECK(bob.exit_code == 0);
  CHECK(contains(bob.out, "\"kind\":\"request.created\""));
  CHECK(contains(bob.out, "\"actor\":\"alice\""));  // a review of his request
  CHECK(contains(bob.out, "198.51.100.7:4242"));      // his own login
  CHECK_FALSE(contains(bob.out, "203.0.113.9"));      // not ivan's

  auto ivan = h.run("ivan", "history --format json");  // a dba reviewer: the request, his login
  CHECK(contains(ivan.out, id));
  CHECK(contains(ivan.out, "203.0.113.9:999"));
  CHECK_FALSE(contains(ivan.out, "198.51.100.7"));

  auto erin = h.run("erin", "history --format json");
  CHECK(erin.out == "[]\n");
  CHECK(h.run("erin", "history").out.rfind("No events since ", 0) == 0);

  auto audra = h.run("audra", "history --format json");
  CHECK(contains(audra.out, "198.51.100.7:4242"));
  CHECK(contains(audra.out, "203.0.113.9:999"));
  CHECK(contains(audra.out, id));
}

TEST_CASE("run_command: history --since longer than the clock has run shows everything",
          "[commands]") {
  Harness h;
  const std::string id = h.create("long ago");
  // 301 years: more than a nanosecond clock holds (292 years), so now - since would wrap.
  for (const char* since : {"110000d", "9223372036854775807s", "2562047788015215h"}) {
    CAPTURE(since);
    auto history = h.run("audra", std::string("history --format json --since ") + since);
    CHECK(history.exit_code == 0);
    CHECK(contains(history.out, "\"kind\":\"request.created\""));
    CHECK(contains(history.out, id));
  }
}

TEST_CASE("run_command: drop and revoke end a grant at once", "[commands]") {
  Harness h;
  auto approve = [&](const std::string& id) {
    REQUIRE(h.run("alice", "request review --approve " + id).exit_code == 0);
    REQUIRE(h.run("ivan", "request review --approve " + id).exit_code == 0);
  };
  const std::string first = h.create();
  check_refused(h.run("bob", "request drop " + first),
                "request " + first + " is PENDING, not APPROVED");
  approve(first);
  REQUIRE(h.service->active_grants("bob").size() == 1);

  SECTION("the requester drops one") {
    check_refused(h.run("alice", "request drop " + first), "only bob can drop this request");
    auto dropped = h.run("bob", "request drop " + first);
    CHECK(dropped.exit_code == 0);
    CHECK(dropped.out == "Request " + first + " dropped: the access it granted has ended.\n");
    CHECK(h.service->active_grants("bob").empty());
    CHECK(contains(h.run("bob", "request show " + first).out, "DROPPED"));
  }
  SECTION("the requester drops all of theirs") {
    const std::string second = h.create();
    approve(second);
    auto dropped = h.run("bob", "request drop");
    CHECK(dropped.exit_code == 0);
    CHECK(contains(dropped.out, first + " dropped"));
    CHECK(contains(dropped.out, second + " dropped"));
    CHECK(h.service->active_grants("bob").empty());
    check_refused(h.run("bob", "request drop"), "you have no granted access to drop");
  }
  SECTION("a reviewer revokes with a reason") {
    check_refused(h.run("erin", "request revoke " + first + " --reason x"),
                  "request " + first + " is neither yours nor one you may review");
    auto revoked = h.run("ivan", "request revoke " + first + " --reason 'incident over'");
    CHECK(revoked.exit_code == 0);
    CHECK(revoked.out == "Request " + first + " revoked: the access it granted has ended.\n");
    CHECK(h.service->active_grants("bob").empty());
    auto history = h.run("audra", "history");
    CHECK(contains(history.out, "request.revoked"));
    CHECK(contains(history.out, "revoked by ivan: incident over"));
  }
}

TEST_CASE("run_command: session play and export find the recording the caller may see",
          "[commands][session_replay]") {
  Harness h;
  h.config.recording.dir = "/rec";
  auto ended = [&](const char* person, const std::string& details) {
    h.service->record({h.now, "session.ended", person, "192.0.2.9:1", "root@db-1", details});
  };
  // bob's dba shell (recorded), bob's exec (not), erin's shell (deleted by retention later).
  ended("bob", R"({"session":"b0b00001","kind":"shell","roles":["dba"],"request":"r1",)"
               R"("recording":"bob.cast","sha256":"AB"})");
  ended("bob", R"({"session":"b0b00002","kind":"exec","command":"id","roles":["dba"]})");
  ended("erin", R"({"session":"e0000001","kind":"shell","roles":["dev"],"recording":"erin.cast","sha256":"cd"})");
  h.now += 1h;
  h.service->record({h.now, "recording.deleted", "holdgate", "", "erin.cast", "deleted by retention"});

  struct Row {
    const char* who;
    const char* line;
    int exit_code;
    const char* err;  // the refusal, "" when allowed
  };
  const std::vector<Row> rows = {
      {"bob", "session export b0b00001", 0, ""},
      {"bob", "session play bob.cast --speed 4", 0, ""},
      {"ivan", "session export b0b00001", 0, ""},   // reviews dba
      {"audra", "session export bob", 0, ""},       // auditor; name without .cast
      {"erin", "session export b0b00001", 1,
       "holdgate: session b0b00001 is neither yours nor one of a role you review\n"},
      {"bob", "session export nope", 1,
       "holdgate: no finished session nope is in the audit trail; give its session id (as in "
       "history) or its recording's file name\n"},
      {"bob", "session play b0b00002", 1,
       "holdgate: session b0b00002 has no recording (recording was off for it, or it was an exec "
       "or subsystem under recording mode pty); its command line and exit status are in history\n"},
      {"erin", "session export e0000001", 1,
       "holdgate: the recording of session e0000001 was deleted by retention on "},  // a date
  };
  for (const auto& row : rows) {
    CAPTURE(row.who, row.line);
    auto result = h.run(row.who, row.line);
    CHECK(result.exit_code == row.exit_code);
    CHECK(result.out.empty());
    if (row.exit_code == 0) {
      REQUIRE(result.replay);
      CHECK(result.replay->file == "/rec/bob.cast");
      CHECK(result.replay->sha256 == "ab");
      CHECK(result.replay->session == "b0b00001");
    } else {
      CHECK_FALSE(result.replay);
      if (std::string(row.err).find("deleted") != std::string::npos) {
        CHECK(result.err.rfind(row.err, 0) == 0);
      } else {
        CHECK(result.err == row.err);
      }
    }
  }
  auto play = h.run("bob", "session play b0b00001 --speed 4");
  REQUIRE(play.replay);
  CHECK(play.replay->kind == ap::SessionReplay::Kind::play);
  CHECK(play.replay->speed == 4);

  // Each allowed one is audited, by whom and of which session; refusals are not replays.
  int exported = 0, played = 0;
  for (const auto& event : h.service->history(ap::TimePoint{})) {
    if (event.kind == "session.exported") {
      ++exported;
      CHECK(event.subject == "b0b00001");
    }
    if (event.kind == "session.played") {
      ++played;
      CHECK(event.actor == "bob");
    }
  }
  CHECK(exported == 3);
  CHECK(played == 2);
}
