// Approval hooks, the pure parts: the `approvals.hooks` config, what a hook reads on stdin, how
// its stdout is judged (anything doubtful is "none"), and what its verdict does to a request,
// through the real RequestService over a real SQLite store.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "approvals/hook_protocol.hpp"
#include "approvals/hook_review.hpp"
#include "approvals/json_reader.hpp"
#include "approvals/render.hpp"
#include "approvals/service.hpp"
#include "approvals/waiting_line.hpp"
#include "approvals/webhook_payload.hpp"
#include "config/load.hpp"
#include "config_text.hpp"
#include "storage/store.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
using namespace std::chrono_literals;

namespace {

// bob (dev, traits team=contractor) may request dba (approve: 2, deny: 2); ivan reviews dba.
const char* kPolicy = R"(
state_dir: /s
users:
  - name: bob
    roles: [dev]
    traits: {team: contractor, site: "b<e>rlin"}
  - name: ivan
    roles: [dba-reviewer]
roles:
  - name: dev
    request: {roles: [dba], approve: 2, deny: 2}
  - name: dba
    allow:
      - logins: [root]
        targets: "*"
  - name: dba-reviewer
    review: {roles: [dba]}
approvals:
  hooks:
    - name: ticket-check
      exec: hooks/ticket-check.py
      timeout: 7s
    - name: other
      exec: /usr/local/bin/other
)";

struct Harness {
  cfg::Config config = parse_ok(kPolicy);
  std::filesystem::path path;
  std::unique_ptr<holdgate::storage::Store> store;
  ap::TimePoint now = ap::TimePoint{} + std::chrono::hours(497'000);
  std::unique_ptr<ap::RequestService> service;
  std::vector<ap::RequestChange> changes;
  ap::RequestEvents::Subscription subscription;

  Harness() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("holdgate-hooks-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++) + ".db");
    std::filesystem::remove(path);
    auto opened = holdgate::storage::open_sqlite_store(path.string());
    REQUIRE(std::holds_alternative<std::unique_ptr<holdgate::storage::Store>>(opened));
    store = std::move(std::get<std::unique_ptr<holdgate::storage::Store>>(opened));
    service = std::make_unique<ap::RequestService>(
        config, *store, [this] { return now; },
        [] { return std::string("00000000-0000-4000-8000-000000000001"); });
    subscription = service->events().subscribe(
        [this](const ap::RequestChange& change) { changes.push_back(change); });
  }
  ~Harness() {
    subscription = {};
    service.reset();
    store.reset();
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path.string() + suffix, ignored);
    }
  }

  ap::AccessRequest create(const std::string& fingerprint = "SHA256:abc") {
    ap::NewRequest request;
    request.roles = {"dba"};
    request.reason = "ticket #123";
    ap::Caller caller{config.find_user("bob"), "192.0.2.7:40000", fingerprint};
    auto outcome = service->create(caller, request);
    REQUIRE(std::holds_alternative<ap::AccessRequest>(outcome));
    return std::get<ap::AccessRequest>(outcome);
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// config

TEST_CASE("approvals.hooks: name, exec relative to the file, timeout", "[hooks]") {
  auto config = parse_ok(kPolicy);
  REQUIRE(config.approvals.hooks.size() == 2);
  const auto& hook = config.approvals.hooks[0];
  CHECK(hook.name == "ticket-check");
  CHECK(hook.exec == "/etc/holdgate/hooks/ticket-check.py");
  CHECK(hook.timeout == 7s);
  CHECK(config.approvals.hooks[1].timeout == 5s);  // the default
  CHECK(parse_ok("state_dir: /s\n").approvals.hooks.empty());
}

TEST_CASE("approvals.hooks: mistakes are FILE:LINE:COL errors", "[hooks]") {
  const std::string head = "state_dir: /s\napprovals:\n  hooks:\n";
  CHECK(errors_of(head + "    - name: a\n") ==
        std::vector<std::string>{"c.yaml:4:7: approvals.hooks[0]: missing required key 'exec'"});
  CHECK(errors_of(head + "    - name: a\n      exec: /x\n      timout: 5s\n") ==
        std::vector<std::string>{
            "c.yaml:6:7: unknown key 'timout' in approvals.hooks[0] (did you mean 'timeout'?)"});
  CHECK(errors_of(head + "    - name: a b\n      exec: /x\n") ==
        std::vector<std::string>{"c.yaml:4:13: approvals.hooks[0].name: 'a b' is not a valid hook "
                                 "name; use only letters, digits, '.', '_' and '-'"});
  CHECK(errors_of(head + "    - {name: a, exec: /x}\n    - {name: a, exec: /y}\n") ==
        std::vector<std::string>{"c.yaml:5:14: approvals.hooks[1].name: duplicate hook name 'a' "
                                 "(first defined at line 4)"});
  CHECK(errors_of(head + "    - {name: a, exec: /x, timeout: 0s}\n") ==
        std::vector<std::string>{"c.yaml:4:36: approvals.hooks[0].timeout: must be longer than 0s"});
  CHECK(errors_of("state_dir: /s\napprovals:\n  hoks: []\n") ==
        std::vector<std::string>{
            "c.yaml:3:3: unknown key 'hoks' in approvals (did you mean 'hooks'?)"});
}

// ---------------------------------------------------------------------------------------------
// stdin

TEST_CASE("hook_input: the request, the requester's traits, source and key", "[hooks]") {
  Harness h;
  auto created = h.create();
  REQUIRE(h.changes.size() == 1);
  auto parsed = ap::parse_json(ap::hook_input(h.config, h.changes[0]));
  REQUIRE(std::holds_alternative<ap::JsonValue>(parsed));
  const auto& input = std::get<ap::JsonValue>(parsed);
  std::vector<std::string> keys;
  for (const auto& member : *input.as_object()) keys.push_back(member.key);
  CHECK(keys == std::vector<std::string>{"id", "user", "traits", "roles", "reason", "login",
                                         "target", "scope", "source", "key_fingerprint", "created"});
  CHECK(*input.find("id")->as_string() == created.id);
  CHECK(*input.find("user")->as_string() == "bob");
  CHECK(*input.find("traits")->find("team")->as_string() == "contractor");
  CHECK(*input.find("traits")->find("site")->as_string() == "b<e>rlin");
  CHECK(*input.find("roles")->as_array()->at(0).as_string() == "dba");
  CHECK(*input.find("reason")->as_string() == "ticket #123");
  CHECK(input.find("login")->is_null());
  CHECK(input.find("target")->is_null());
  CHECK(*input.find("source")->as_string() == "192.0.2.7:40000");
  CHECK(*input.find("key_fingerprint")->as_string() == "SHA256:abc");
  CHECK(*input.find("created")->as_string() == ap::rfc3339(h.now));
}

TEST_CASE("hook_input: inline login@target; unknown key and source are null", "[hooks]") {
  Harness h;
  auto request = h.create("");
  request.login = "root";
  request.target = "db-1";
  request.source = "198.51.100.1:2200";
  auto parsed = ap::parse_json(ap::hook_input(h.config, {"request.created", request}));
  const auto& input = std::get<ap::JsonValue>(parsed);
  CHECK(*input.find("login")->as_string() == "root");
  CHECK(*input.find("target")->as_string() == "db-1");
  CHECK(*input.find("source")->as_string() == "198.51.100.1:2200");  // from the request
  CHECK(input.find("key_fingerprint")->is_null());
}

// ---------------------------------------------------------------------------------------------
// stdout

TEST_CASE("parse_hook_output: the three decisions", "[hooks]") {
  auto verdict = [](const std::string& text) {
    auto parsed = ap::parse_hook_output(text);
    if (auto* problem = std::get_if<std::string>(&parsed)) FAIL(text << ": " << *problem);
    return std::get<ap::HookVerdict>(parsed);
  };
  CHECK(verdict(R"({"decision":"approve","reason":"ticket OPS-1 is open"})").decision ==
        ap::HookDecision::approve);
  auto deny = verdict("\n  {\"decision\": \"deny\", \"reason\": \"cite a ticket\"}\n");
  CHECK(deny.decision == ap::HookDecision::deny);
  CHECK(deny.reason == "cite a ticket");
  CHECK(verdict(R"({"decision":"none"})").decision == ap::HookDecision::none);
  CHECK(verdict(R"({"decision":"none","reason":null,"extra":[1,2]})").reason.empty());
  // Over-long reasons are cut to what a review may store, at a character boundary.
  auto long_reason = verdict(R"({"decision":"deny","reason":")" + std::string(1023, 'x') +
                             "\xc3\xa9" + std::string(100, 'y') + "\"}");
  CHECK(long_reason.reason == std::string(1023, 'x'));
}

TEST_CASE("parse_hook_output: anything doubtful is an error (so: none)", "[hooks]") {
  struct Row {
    std::string output;
    std::string problem;
  };
  const std::vector<Row> rows = {
      {"", "no output (expected a JSON object with \"decision\")"},
      {" \n", "no output (expected a JSON object with \"decision\")"},
      {"approve", "output is not JSON: expected a JSON value at byte 0"},
      {"{\"decision\":\"approve\"", "output is not JSON: expected ',' or '}' at byte 21"},
      {"{\"decision\":\"approve\"}\n{\"decision\":\"deny\"}",
       "output is not JSON: unexpected text after the JSON value at byte 23"},
      {"{\"decision\":\"none\",\"decision\":\"approve\"}",
       "output is not JSON: duplicate key \"decision\" at byte 19"},
      {"[\"approve\"]", "output is not a JSON object"},
      {"\"approve\"", "output is not a JSON object"},
      {"{}", "\"decision\" is missing"},
      {"{\"reason\":\"fine\"}", "\"decision\" is missing"},
      {"{\"decision\":true}", "\"decision\" is not a string"},
      {"{\"decision\":\"APPROVE\"}", "\"decision\" must be \"approve\", \"deny\" or \"none\""},
      {"{\"decision\":\"approved\"}", "\"decision\" must be \"approve\", \"deny\" or \"none\""},
      {"{\"decision\":\" approve\"}", "\"decision\" must be \"approve\", \"deny\" or \"none\""},
      {"{\"decision\":\"approve\",\"reason\":5}", "\"reason\" is not a string"},
      {"{\"decision\":\"approve\",\"reason\":\"a\\u0000b\"}", "\"reason\" contains NUL"},
      {std::string(ap::max_hook_output + 1, ' '), "output is larger than 64 KiB"},
  };
  for (const auto& row : rows) {
    INFO("output: " << row.output.substr(0, 80));
    auto parsed = ap::parse_hook_output(row.output);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    CHECK(std::get<std::string>(parsed) == row.problem);
  }
}

// ---------------------------------------------------------------------------------------------
// verdicts

TEST_CASE("apply_hook_review: approve is one approval by hook:NAME", "[hooks]") {
  Harness h;
  auto request = h.create();
  auto next = ap::apply_hook_review(h.config, request, "ticket-check", ap::Decision::approve,
                                    "ok", h.now);
  REQUIRE(std::holds_alternative<ap::AccessRequest>(next));
  const auto& approved = std::get<ap::AccessRequest>(next);
  CHECK(approved.state == ap::RequestState::pending);  // approve: 2
  REQUIRE(approved.reviews.size() == 1);
  CHECK(approved.reviews[0].reviewer == "hook:ticket-check");
  CHECK(ap::progress(h.config, approved).approvals == 1);
}

TEST_CASE("apply_hook_review: deny ends the request at once, whatever the threshold",
          "[hooks]") {
  Harness h;
  auto request = h.create();  // deny: 2
  auto next = ap::apply_hook_review(h.config, request, "ticket-check", ap::Decision::deny,
                                    "contractors must cite a ticket", h.now);
  REQUIRE(std::holds_alternative<ap::AccessRequest>(next));
  const auto& denied = std::get<ap::AccessRequest>(next);
  CHECK(denied.state == ap::RequestState::denied);
  CHECK(denied.resolution_reason == "contractors must cite a ticket");
  CHECK(denied.resolved == h.now);

  auto blank = ap::apply_hook_review(h.config, request, "x", ap::Decision::deny, " ", h.now);
  CHECK(std::get<ap::AccessRequest>(blank).resolution_reason == "denied by hook:x");
}

TEST_CASE("review_as_hook: stored, audited and published like a review", "[hooks]") {
  Harness h;
  auto request = h.create();
  h.changes.clear();

  auto approved = h.service->review_as_hook("ticket-check", request.id, ap::HookDecision::approve, "ok");
  REQUIRE(std::holds_alternative<ap::AccessRequest>(approved));
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].event == "request.reviewed");

  // The same hook cannot count twice.
  auto again = h.service->review_as_hook("ticket-check", request.id, ap::HookDecision::approve, "ok");
  REQUIRE(std::holds_alternative<ap::ServiceError>(again));
  CHECK(std::get<ap::ServiceError>(again).kind == ap::ServiceError::Kind::not_allowed);

  // A person's approval then completes it: hook + ivan = 2.
  ap::Caller ivan{h.config.find_user("ivan"), "192.0.2.9:1"};
  auto done = h.service->review(ivan, request.id, ap::Decision::approve, "fine");
  REQUIRE(std::holds_alternative<ap::AccessRequest>(done));
  CHECK(std::get<ap::AccessRequest>(done).state == ap::RequestState::approved);
}

TEST_CASE("review_as_hook: a deny is final and names the hook in the audit trail", "[hooks]") {
  Harness h;
  auto request = h.create();
  auto denied = h.service->review_as_hook("ticket-check", request.id, ap::HookDecision::deny,
                                          "contractors must cite a ticket");
  REQUIRE(std::holds_alternative<ap::AccessRequest>(denied));
  CHECK(std::get<ap::AccessRequest>(denied).state == ap::RequestState::denied);
  CHECK(h.changes.back().event == "request.denied");

  std::vector<std::pair<std::string, std::string>> audit;
  for (const auto& event : h.service->history(h.now - 1h)) audit.emplace_back(event.kind, event.actor);
  CHECK(audit == std::vector<std::pair<std::string, std::string>>{
                     {"request.created", "bob"},
                     {"request.reviewed", "hook:ticket-check"},
                     {"request.denied", "hook:ticket-check"}});

  auto late = h.service->review_as_hook("other", request.id, ap::HookDecision::approve, "");
  REQUIRE(std::holds_alternative<ap::ServiceError>(late));
  CHECK(std::get<ap::ServiceError>(late).kind == ap::ServiceError::Kind::not_pending);
}

TEST_CASE("WaitingLine: at most `limit` run, the rest wait in order, none is dropped", "[hooks]") {
  ap::WaitingLine<int> line(2);
  CHECK(line.arrive(1) == 1);  // starts at once
  CHECK(line.arrive(2) == 2);
  CHECK_FALSE(line.arrive(3));  // waits
  CHECK_FALSE(line.arrive(4));
  CHECK((line.running() == 2 && line.waiting() == 2));
  CHECK(line.finished() == 3);  // one ended: the oldest waiting takes its place
  CHECK(line.running() == 2);
  CHECK_FALSE(line.arrive(5));
  CHECK(line.finished() == 4);
  CHECK(line.finished() == 5);
  CHECK((line.running() == 2 && line.waiting() == 0));
  CHECK_FALSE(line.finished());
  CHECK_FALSE(line.finished());
  CHECK(line.running() == 0);
  CHECK(line.arrive(6) == 6);
  CHECK(ap::WaitingLine<int>(0).limit() == 1);  // never a line where nothing runs
}

TEST_CASE("review_as_hook: a none is stored as an answer, and survives a re-read", "[hooks]") {
  Harness h;
  auto request = h.create();
  h.changes.clear();
  auto answered = h.service->review_as_hook("other", request.id, ap::HookDecision::none, "n/a");
  REQUIRE(std::holds_alternative<ap::AccessRequest>(answered));
  // Not a review: published and audited as an answer of its own, which webhooks skip.
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].event == "request.hook-answered");
  CHECK(h.service->history(h.now - 1h).back().kind == "request.hook-answered");
  CHECK(h.service->history(h.now - 1h).back().actor == "hook:other");
  CHECK_FALSE(ap::webhook_wants(cfg::WebhookEvents{}, "request.hook-answered"));
  auto approved = h.service->review_as_hook("ticket-check", request.id, ap::HookDecision::approve, "");
  REQUIRE(std::holds_alternative<ap::AccessRequest>(approved));
  auto shown = h.service->show(request.id);
  REQUIRE(std::holds_alternative<ap::AccessRequest>(shown));
  const auto& stored = std::get<ap::AccessRequest>(shown);
  CHECK(stored.hooks_answered == std::vector<std::string>{"other", "ticket-check"});
  CHECK(stored.reviews.size() == 1);  // a none is no review
  CHECK(stored.state == ap::RequestState::pending);
  CHECK(ap::hooks_settled(h.config, stored));
}
