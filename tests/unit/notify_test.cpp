// Webhooks, the pure parts: the `notify.webhooks` config and its URLs, which changes a webhook
// hears about, and the json and slack payloads (with everything people typed escaped).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "approvals/fair_drop_queue.hpp"
#include "approvals/json_reader.hpp"
#include "approvals/render.hpp"
#include "approvals/request_rules.hpp"
#include "approvals/webhook_payload.hpp"
#include "config/load.hpp"
#include "config_text.hpp"
#include "config/url.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
using namespace std::chrono_literals;

namespace {

const char* kPolicy = R"(
state_dir: /s
users:
  - name: bob
    roles: [dev]
  - name: alice
    roles: [dba-reviewer]
  - name: ivan
    roles: [dba-reviewer]
roles:
  - name: dev
    request: {roles: [dba], approve: 2}
  - name: dba
    allow:
      - logins: [root]
        targets: "*"
  - name: dba-reviewer
    review: {roles: [dba]}
notify:
  webhooks:
    - url: https://hooks.example/services/T000/B000/XXXX
      format: slack
      events: [request.created, request.resolved]
      ca_file: certs/ca.pem
    - url: http://127.0.0.1:8080/hook?x=1
      retry_delays: [1s, 3s]
)";

const std::string kCommand = "ssh -p 2222 approvals@bastion";

ap::AccessRequest sample_request() {
  ap::AccessRequest r;
  r.id = "9c721e54-b049-4ef8-a7f6-c777aa066764";
  r.user = "bob";
  r.roles = {"dba"};
  r.reason = "ticket #123";
  r.created = ap::TimePoint{} + std::chrono::hours(497'000);
  r.expires = r.created + 1h;
  return r;
}

ap::JsonValue parse(const std::string& text) {
  auto parsed = ap::parse_json(text);
  REQUIRE(std::holds_alternative<ap::JsonValue>(parsed));
  return std::get<ap::JsonValue>(parsed);
}

std::string slack_text(const cfg::Config& config, const ap::RequestChange& change) {
  auto body = parse(ap::webhook_slack(config, change, kCommand));
  REQUIRE(body.as_object()->size() == 1);
  return *body.find("text")->as_string();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// config

TEST_CASE("notify.webhooks: every key, and the defaults", "[notify]") {
  auto config = parse_ok(kPolicy);
  REQUIRE(config.notify.webhooks.size() == 2);
  const auto& slack = config.notify.webhooks[0];
  CHECK(slack.url == "https://hooks.example/services/T000/B000/XXXX");
  CHECK(slack.endpoint.https);
  CHECK(slack.endpoint.host == "hooks.example");
  CHECK(slack.endpoint.port == 443);
  CHECK(slack.endpoint.target == "/services/T000/B000/XXXX");
  CHECK(slack.format == cfg::Webhook::Format::slack);
  CHECK(slack.events.created);
  CHECK_FALSE(slack.events.reviewed);
  CHECK(slack.events.resolved);
  CHECK(slack.ca_file == "/etc/holdgate/certs/ca.pem");
  CHECK(slack.retry_delays == std::vector<std::chrono::seconds>{2s, 5s, 15s, 40s});

  const auto& json = config.notify.webhooks[1];
  CHECK_FALSE(json.endpoint.https);
  CHECK(json.endpoint.host == "127.0.0.1");
  CHECK(json.endpoint.port == 8080);
  CHECK(json.endpoint.target == "/hook?x=1");
  CHECK(json.format == cfg::Webhook::Format::json);
  CHECK((json.events.created && json.events.reviewed && json.events.resolved));
  CHECK(json.ca_file.empty());
  CHECK(json.retry_delays == std::vector<std::chrono::seconds>{1s, 3s});

  CHECK(parse_ok("state_dir: /s\n").notify.webhooks.empty());
  CHECK(parse_ok("state_dir: /s\nnotify:\n  webhooks:\n    - url: http://h/\n      retry_delays: []\n")
            .notify.webhooks[0]
            .retry_delays.empty());
}

TEST_CASE("notify.webhooks: mistakes are FILE:LINE:COL errors", "[notify]") {
  const std::string head = "state_dir: /s\nnotify:\n  webhooks:\n";
  struct Row {
    std::string item;  // on line 4
    std::string error;
  };
  const std::vector<Row> rows = {
      {"    - format: json\n", "c.yaml:4:7: notify.webhooks[0]: missing required key 'url'"},
      {"    - {url: 'ftp://h/x'}\n",
       "c.yaml:4:13: notify.webhooks[0].url: invalid webhook URL: must start with http:// or "
       "https://"},
      {"    - {url: 'https://user:pw@h/x'}\n",
       "c.yaml:4:13: notify.webhooks[0].url: invalid webhook URL: must not carry user:password@; "
       "put the secret in the path"},
      {"    - {url: 'https://h:99999/'}\n",
       "c.yaml:4:13: notify.webhooks[0].url: invalid webhook URL: port '99999' is not a number "
       "from 1 to 65535"},
      {"    - {url: 'https://h/a b'}\n",
       "c.yaml:4:13: notify.webhooks[0].url: invalid webhook URL: must not contain spaces or "
       "control characters"},
      {"    - {url: 'https:///x'}\n",
       "c.yaml:4:13: notify.webhooks[0].url: invalid webhook URL: the host is missing"},
      {"    - {url: 'http://h/', format: teams}\n",
       "c.yaml:4:34: notify.webhooks[0].format: unknown format 'teams' (expected slack or json)"},
      {"    - {url: 'http://h/', events: [request.create]}\n",
       "c.yaml:4:35: notify.webhooks[0].events[0]: unknown event 'request.create' (did you mean "
       "'request.created'?)"},
      {"    - {url: 'http://h/', events: []}\n",
       "c.yaml:4:34: notify.webhooks[0].events: must name at least one event (leave it out for "
       "all)"},
      {"    - {url: 'http://h/', ca_file: /ca.pem}\n",
       "c.yaml:4:35: notify.webhooks[0].ca_file: ca_file only applies to https:// URLs"},
      {"    - {url: 'http://h/', retry_delays: [1x]}\n",
       "c.yaml:4:41: notify.webhooks[0].retry_delays[0]: '1x' is not a duration; write a whole "
       "number and a unit (s, m, h or d), e.g. 30s or 8h"},
      {"    - {url: 'http://h/', formt: json}\n",
       "c.yaml:4:26: unknown key 'formt' in notify.webhooks[0] (did you mean 'format'?)"},
  };
  for (const auto& row : rows) {
    INFO(row.item);
    CHECK(errors_of(head + row.item) == std::vector<std::string>{row.error});
  }
  CHECK(errors_of("state_dir: /s\nnotify:\n  webhook: []\n") ==
        std::vector<std::string>{
            "c.yaml:3:3: unknown key 'webhook' in notify (did you mean 'webhooks'?)"});
}

TEST_CASE("parse_http_url", "[notify]") {
  auto ok = [](const std::string& text) {
    auto parsed = cfg::parse_http_url(text);
    INFO(text << ": " << parsed.problem);
    REQUIRE(parsed.problem.empty());
    return parsed.url;
  };
  auto url = ok("HTTPS://Hooks.Example");
  CHECK((url.https && url.host == "Hooks.Example" && url.port == 443 && url.target == "/"));
  url = ok("http://[::1]:8080/p/q?r=s");
  CHECK((!url.https && url.host == "::1" && url.port == 8080 && url.target == "/p/q?r=s"));
  url = ok("http://h?x=1");
  CHECK((url.host == "h" && url.port == 80 && url.target == "/?x=1"));
  CHECK(cfg::parse_http_url("https://h/#frag").problem == "must not have a #fragment");
  CHECK(cfg::parse_http_url("https://h/\r\nX-Injected: 1").problem ==
        "must not contain spaces or control characters");
}

// ---------------------------------------------------------------------------------------------
// which changes

TEST_CASE("webhook_wants: resolved covers approved, denied, expired and cancelled", "[notify]") {
  const cfg::WebhookEvents resolved_only{false, false, true};
  for (const char* event : {"request.approved", "request.denied", "request.expired",
                            "request.cancelled"}) {
    CHECK(ap::webhook_wants(resolved_only, event));
    CHECK_FALSE(ap::webhook_wants({true, true, false}, event));
  }
  CHECK_FALSE(ap::webhook_wants(resolved_only, "request.created"));
  CHECK_FALSE(ap::webhook_wants(resolved_only, "request.reviewed"));
  CHECK(ap::webhook_wants({true, false, false}, "request.created"));
  CHECK(ap::webhook_wants({false, true, false}, "request.reviewed"));
}

// ---------------------------------------------------------------------------------------------
// payloads

TEST_CASE("json payload: the event, then the request as `request show --format json`",
          "[notify]") {
  auto config = parse_ok(kPolicy);
  auto request = sample_request();
  auto body = parse(ap::webhook_payload(config, cfg::Webhook::Format::json,
                                        {"request.created", request}, kCommand));
  const auto& members = *body.as_object();
  REQUIRE(!members.empty());
  CHECK(members[0].key == "event");
  CHECK(*body.find("event")->as_string() == "request.created");
  CHECK(*body.find("id")->as_string() == request.id);
  CHECK(*body.find("user")->as_string() == "bob");
  CHECK(*body.find("state")->as_string() == "PENDING");
  CHECK(*body.find("approvals_needed")->as_number() == 2);
  // Exactly request_json's fields after "event".
  auto shown = parse(ap::request_json(request, ap::progress(config, request)));
  REQUIRE(members.size() == shown.as_object()->size() + 1);
  for (std::size_t i = 0; i < shown.as_object()->size(); ++i) {
    CHECK(members[i + 1].key == (*shown.as_object())[i].key);
  }
}

TEST_CASE("slack payload: who, what, why, what it needs, and the approve command", "[notify]") {
  auto config = parse_ok(kPolicy);
  auto request = sample_request();
  const std::string text = slack_text(config, {"request.created", request});
  CHECK(text.find("*bob* requests *role dba (root on any target)*") != std::string::npos);
  CHECK(text.find("\"ticket #123\"") != std::string::npos);
  CHECK(text.find("0 of 2 approvals so far; can review: alice, ivan") != std::string::npos);
  CHECK(text.find("`ssh -p 2222 approvals@bastion request review --approve " + request.id + "`") !=
        std::string::npos);

  request.login = "root";
  request.target = "db-1";
  CHECK(slack_text(config, {"request.created", request}).find("*bob* requests *root@db-1 (via dba)*") !=
        std::string::npos);
}

TEST_CASE("slack payload: reviews and resolutions", "[notify]") {
  auto config = parse_ok(kPolicy);
  auto request = sample_request();
  request.reviews.push_back({"alice", ap::Decision::approve, "looks fine", request.created});
  std::string text = slack_text(config, {"request.reviewed", request});
  CHECK(text.find("*alice* approved *bob*'s request for *role dba (root on any target)*: \"looks fine\"") !=
        std::string::npos);
  CHECK(text.find("1 of 2 approvals so far; can review: ivan") != std::string::npos);
  CHECK(text.find("--approve " + request.id) != std::string::npos);

  request.state = ap::RequestState::denied;
  request.resolution_reason = "not today";
  text = slack_text(config, {"request.denied", request});
  CHECK(text.find("*bob*'s request for *role dba (root on any target)* is *DENIED*: \"not today\"") !=
        std::string::npos);
  CHECK(text.find("--approve") == std::string::npos);  // nothing left to approve
}

TEST_CASE("break-glass: every webhook is told, loudly", "[notify][break-glass]") {
  // Even a webhook that asked only for resolutions, or only for reviews.
  CHECK(ap::webhook_wants({false, false, true}, "request.break_glass"));
  CHECK(ap::webhook_wants({false, true, false}, "request.break_glass"));
  CHECK(ap::webhook_wants({false, false, true}, "request.unratified"));

  auto config = parse_ok(kPolicy);
  auto request = sample_request();
  request.login = "root";
  request.target = "db-1";
  request.state = ap::RequestState::approved;
  request.grant_expires = request.created + 30min;
  request.ratification = holdgate::storage::Ratification::awaiting;
  request.ratify_by = request.created + 24h;
  std::string text = slack_text(config, {"request.break_glass", request});
  CHECK(text.find("*BREAK-GLASS*: *bob* took *BREAK-GLASS root@db-1 (via dba)* at once, without "
                  "reviewers: \"ticket #123\"") != std::string::npos);
  CHECK(text.find("It MUST BE RATIFIED by its reviewers by ") != std::string::npos);
  CHECK(text.find("0 of 2 approvals so far; can review: alice, ivan") != std::string::npos);
  CHECK(text.find("--approve " + request.id) != std::string::npos);

  auto json = parse(ap::webhook_payload(config, cfg::Webhook::Format::json,
                                        {"request.break_glass", request}, kCommand));
  CHECK(*json.find("event")->as_string() == "request.break_glass");
  CHECK(*json.find("ratification")->as_string() == "AWAITING");
  REQUIRE(json.find("break_glass")->as_bool());
  CHECK(*json.find("break_glass")->as_bool());

  request.ratification = holdgate::storage::Ratification::unratified;
  request.state = ap::RequestState::revoked;
  request.resolution_reason = "not ratified within 1d";
  text = slack_text(config, {"request.unratified", request});
  CHECK(text.find("*BREAK-GLASS* *bob*'s access to *BREAK-GLASS root@db-1 (via dba)* is "
                  "*UNRATIFIED*: \"not ratified within 1d\"; *bob* is locked") != std::string::npos);
  CHECK(text.find("--approve") == std::string::npos);  // nothing left to ratify
}

TEST_CASE("slack payload: everything typed is sanitised and mrkdwn-escaped", "[notify]") {
  auto config = parse_ok(kPolicy);
  auto request = sample_request();
  request.reason = "<script>alert(1)</script> & <!channel> \x1b[31mred\n<@U123>";
  request.login = "r<o>ot";
  request.target = "db&1";
  const std::string text = slack_text(config, {"request.created", request});
  CHECK(text.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;") !=
        std::string::npos);
  CHECK(text.find("\\x1b[31mred\\n&lt;@U123&gt;") != std::string::npos);
  CHECK(text.find("r&lt;o&gt;ot@db&amp;1") != std::string::npos);
  CHECK(text.find('<') == std::string::npos);
  CHECK(text.find('>') == std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);

  CHECK(ap::slack_escape("a&b<c>d") == "a&amp;b&lt;c&gt;d");
  CHECK(ap::slack_escape("tab\there") == "tab\\there");
}

// ---------------------------------------------------------------------------------------------
// the delivery queue

TEST_CASE("FairDropQueue: bounded, first in first out, the oldest makes room", "[notify]") {
  ap::FairDropQueue<std::string> queue(3);
  CHECK(queue.empty());
  CHECK_FALSE(queue.pop());
  CHECK_FALSE(queue.push("bob", "a"));
  CHECK_FALSE(queue.push("bob", "b"));
  CHECK_FALSE(queue.push("bob", "c"));
  CHECK(queue.size() == 3);
  auto dropped = queue.push("bob", "d");
  REQUIRE(dropped);
  CHECK(*dropped == "a");
  CHECK(queue.size() == 3);
  CHECK(*queue.pop() == "b");
  CHECK(*queue.pop() == "c");
  CHECK_FALSE(queue.push("bob", "e"));
  CHECK(*queue.pop() == "d");
  CHECK(*queue.pop() == "e");
  CHECK(queue.empty());
  CHECK(ap::FairDropQueue<int>(0).limit() == 1);  // never a queue that holds nothing
}

// Each row: the owners of the entries pushed in order into a queue of 4, and what is left
// (owner:position) in delivery order. Before the fix one flood emptied the queue of the others.
TEST_CASE("FairDropQueue: a flood drops the flooder's own entries, never another's",
          "[notify]") {
  struct Row {
    std::vector<std::string> owners;
    std::vector<std::string> left;
  };
  auto row = GENERATE(values<Row>({
      // alice's news first, then bob floods: alice's entry stays, bob's oldest go.
      {{"alice", "bob", "bob", "bob", "bob", "bob", "bob"},
       {"alice:0", "bob:4", "bob:5", "bob:6"}},
      // alice's news arrives in the middle of bob's flood: it survives the rest of it.
      {{"bob", "bob", "bob", "alice", "bob", "bob", "bob", "bob"},
       {"alice:3", "bob:5", "bob:6", "bob:7"}},
      // Two people with two each, a third person's newcomer: the tie goes against whoever has
      // waited longest, so delivery order is kept.
      {{"bob", "ivan", "bob", "ivan", "carol"}, {"ivan:1", "bob:2", "ivan:3", "carol:4"}},
      // A newcomer that would give its owner the biggest share pushes out its owner's oldest.
      {{"bob", "bob", "ivan", "ivan", "ivan"}, {"bob:0", "bob:1", "ivan:3", "ivan:4"}},
      // Everyone alone: plain drop-oldest.
      {{"a", "b", "c", "d", "e", "f"}, {"c:2", "d:3", "e:4", "f:5"}},
  }));
  ap::FairDropQueue<std::string> queue(4);
  for (std::size_t i = 0; i < row.owners.size(); ++i) {
    queue.push(row.owners[i], row.owners[i] + ":" + std::to_string(i));
  }
  std::vector<std::string> left;
  while (auto item = queue.pop()) left.push_back(*item);
  CHECK(left == row.left);
}

TEST_CASE("webhooks link to the request's web page when web.url is set", "[notify][web]") {
  auto config = parse_ok(kPolicy);
  auto request = sample_request();
  CHECK(ap::request_url(config, request.id).empty());
  CHECK(slack_text(config, {"request.created", request}).find("web page") == std::string::npos);
  CHECK(parse(ap::webhook_json(config, {"request.created", request})).find("url") == nullptr);

  config.web.url = "https://bastion.example";
  const std::string page = "https://bastion.example/requests/" + request.id;
  CHECK(ap::request_url(config, request.id) == page);
  CHECK(ap::request_url(config, "a/b<") == "https://bastion.example/requests/a%2Fb%3C");
  CHECK(slack_text(config, {"request.created", request}).find("<" + page + "|Open it on the web page>") !=
        std::string::npos);
  CHECK(*parse(ap::webhook_json(config, {"request.created", request})).find("url")->as_string() == page);
}
