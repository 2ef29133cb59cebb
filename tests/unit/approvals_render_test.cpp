// What the approvals channel prints: the JSON writer, times, text widths, the request table and
// detail, create/review outcomes, history, and the JSON forms. Exact strings where the format is
// a contract (JSON fields, the table), key lines elsewhere; nothing user-typed reaches the
// terminal raw.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "approvals/json.hpp"
#include "approvals/render.hpp"

namespace ap = holdgate::approvals;
using namespace std::chrono;
using namespace std::chrono_literals;
using ap::AccessRequest;
using ap::Decision;
using ap::Progress;
using ap::RequestState;
using ap::TimePoint;

namespace {

// 2026-11-23 03:58:00 UTC
const TimePoint t0 = TimePoint{sys_days{year{2026} / November / 23} + 3h + 58min};
const std::string kId = "9c721e54-b049-4ef8-a7f6-c777aa066764";

AccessRequest pending_request() {
  AccessRequest r;
  r.id = kId;
  r.user = "bob";
  r.roles = {"dba"};
  r.reason = "ticket #123";
  r.suggested_reviewers = {"alice", "ivan"};
  r.state = RequestState::pending;
  r.created = t0;
  r.expires = t0 + 1h;
  r.reviews = {{"alice", Decision::approve, "looks fine", t0 + 2min}};
  r.version = 2;
  return r;
}

Progress one_of_two() {
  Progress p;
  p.roles = {{"dba", 1, 2, 0, 1}};
  p.approvals = 1;
  p.approvals_needed = 2;
  p.can_still_review = {"ivan"};
  p.scope = "role dba (root on kind=db)";
  return p;
}

// The table's Access column is Progress::scope (scope_words, tested on its own); here a stand-in.
ap::ProgressFn scope_only() {
  return [](const AccessRequest& r) {
    Progress p;
    for (const auto& role : r.roles) p.scope += (p.scope.empty() ? "role " : ", role ") + role;
    return p;
  };
}

AccessRequest approved_request() {
  AccessRequest r = pending_request();
  r.reviews.push_back({"ivan", Decision::approve, "", t0 + 5min});
  r.state = RequestState::approved;
  r.resolved = t0 + 5min;
  r.grant_expires = t0 + 5min + 8h;
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// No byte that a terminal would act on: C0 controls other than newline, DEL, C1 (as UTF-8).
bool terminal_safe(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return false;
    }
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// JSON

namespace {
struct QuoteRow {
  const char* what;
  std::string input;
  std::string json;
};
const std::vector<QuoteRow> quote_rows = {
    {"empty", "", R"("")"},
    {"plain", "ticket #123", R"("ticket #123")"},
    {"quote and backslash", R"(say "hi" \o/)", R"("say \"hi\" \\o/")"},
    {"short escapes", "\b\f\n\r\t", R"("\b\f\n\r\t")"},
    {"other C0 as \\u00XX", std::string("\x01\x1f", 2), R"("\u0001\u001f")"},
    {"NUL", std::string("a\0b", 3), R"("a\u0000b")"},
    {"ESC", "\x1b[31mred", R"("\u001b[31mred")"},
    {"DEL", "\x7f", R"("\u007f")"},
    {"C1 CSI", "\xc2\x9b", R"("\u009b")"},
    {"line separators", "\xe2\x80\xa8\xe2\x80\xa9", R"("\u2028\u2029")"},
    {"bidi override and isolate", "\xe2\x80\xae" "abc\xe2\x81\xa6", R"("\u202eabc\u2066")"},
    {"zero width space, BOM, soft hyphen", "a\xe2\x80\x8b\xef\xbb\xbf\xc2\xad",
     R"("a\u200b\ufeff\u00ad")"},
    {"format character past U+FFFF", "\xf3\xa0\x80\x81", R"("\udb40\udc01")"},  // U+E0001
    {"UTF-8 passes", "naïve ✔ 雪 😀", "\"naïve ✔ 雪 😀\""},
    {"slash is not escaped", "a/b", R"("a/b")"},
    {"invalid byte", "a\xff" "b", R"("a\ufffdb")"},
    {"lone continuation", "\x80", R"("\ufffd")"},
    {"overlong", "\xc0\x80", R"("\ufffd\ufffd")"},
    {"truncated sequence", "\xe2\x82", R"("\ufffd\ufffd")"},
    {"surrogate", "\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},
    {"beyond U+10FFFF", "\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},
    // Runs of plain ASCII are copied whole: each kind of byte that ends one, between runs.
    {"runs broken by every kind", std::string("ab\0cd\"ef\\gh\x7fij\xc3\xa9kl\xffmn\x1b", 22),
     R"("ab\u0000cd\"ef\\gh\u007fijékl\ufffdmn\u001b")"},
};
}  // namespace

TEST_CASE("json_quote table", "[render]") {
  const QuoteRow row = GENERATE(from_range(quote_rows));
  CAPTURE(row.what);
  CHECK(ap::json_quote(row.input) == row.json);
}

// Plain runs are scanned sixteen or eight bytes at a time: a byte that ends a run is found
// wherever it falls in a block or a word, and the bytes at the edges of "plain" (space, tilde)
// pass.
TEST_CASE("json_quote finds a run's end at every place in a word", "[render]") {
  const std::string ends[] = {std::string(1, '\0'), "\x1f", "\"", "\\", "\x7f", "\x80", "\xc3", "\xff", "\n"};
  for (const auto& end : ends) {
    std::string inner = ap::json_quote(end);
    inner = inner.substr(1, inner.size() - 2);
    for (std::size_t at = 0; at < 40; ++at) {
      std::string before(at, 'a'), after(40 - at, '~');
      CAPTURE(at, inner);
      CHECK(ap::json_quote(before + end + after) == "\"" + before + inner + after + "\"");
    }
  }
  CHECK(ap::json_quote(std::string(64, ' ') + std::string(64, '~')) ==
        "\"" + std::string(64, ' ') + std::string(64, '~') + "\"");
}

TEST_CASE("JsonWriter places commas and colons", "[render]") {
  ap::JsonWriter json;
  json.begin_object();
  json.key("s").value("x");
  json.key("n").value(-42);
  json.key("big").value(9007199254740993LL);
  json.key("u").value(std::size_t{7});
  json.key("d").value(1.5);
  json.key("nan").value(std::nan(""));
  json.key("inf").value(std::numeric_limits<double>::infinity());
  json.key("t").value(true);
  json.key("f").value(false);
  json.key("z").null();
  json.key("a").begin_array();
  json.value(1).value("two").begin_object().end_object().begin_array().end_array().null();
  json.end_array();
  json.key("raw").raw(R"({"k":[1]})");
  json.key("esc\"key").value(std::string("\n"));
  json.end_object();
  CHECK(json.str() ==
        R"({"s":"x","n":-42,"big":9007199254740993,"u":7,"d":1.5,"nan":null,"inf":null,)"
        R"("t":true,"f":false,"z":null,"a":[1,"two",{},[],null],"raw":{"k":[1]},"esc\"key":"\n"})");

  ap::JsonWriter empty;
  empty.begin_array().end_array();
  CHECK(empty.str() == "[]");
  ap::JsonWriter scalar;
  scalar.value("only");
  CHECK(scalar.str() == R"("only")");
}

// ---------------------------------------------------------------------------------------------
// times, durations, widths

TEST_CASE("times are UTC in two formats", "[render]") {
  CHECK(ap::table_time(t0) == "23 Nov 26 03:58 UTC");
  CHECK(ap::rfc3339(t0) == "2026-11-23T03:58:00Z");
  CHECK(ap::rfc3339(t0 + 59s + 999ms) == "2026-11-23T03:58:59Z");  // whole seconds
  CHECK(ap::table_time(TimePoint{sys_days{year{2030} / January / 5}}) == "05 Jan 30 00:00 UTC");
  CHECK(ap::rfc3339(TimePoint{}) == "1970-01-01T00:00:00Z");
  CHECK(ap::rfc3339(TimePoint{sys_days{year{2024} / February / 29} + 23h + 59min + 59s}) ==
        "2024-02-29T23:59:59Z");
}

TEST_CASE("format_duration picks the largest exact unit", "[render]") {
  CHECK(ap::format_duration(2h) == "2h");
  CHECK(ap::format_duration(90min) == "90m");
  CHECK(ap::format_duration(48h) == "2d");
  CHECK(ap::format_duration(45s) == "45s");
  CHECK(ap::format_duration(0s) == "0s");
  CHECK(ap::format_duration(3601s) == "3601s");
}

TEST_CASE("display_width counts columns, fit_width cuts whole characters", "[render]") {
  CHECK(ap::display_width("") == 0);
  CHECK(ap::display_width("abc") == 3);
  CHECK(ap::display_width("naïve") == 5);
  CHECK(ap::display_width("e\xcc\x81") == 1);  // e + combining acute
  CHECK(ap::display_width("雪山") == 4);
  CHECK(ap::display_width("😀") == 2);
  CHECK(ap::display_width("✔ ok") == 4);

  CHECK(ap::fit_width("abcdef", 6) == "abcdef");
  CHECK(ap::fit_width("abcdef", 5) == "abcd…");
  CHECK(ap::fit_width("abcdef", 1) == "…");
  CHECK(ap::fit_width("abcdef", 0) == "");
  CHECK(ap::fit_width("雪山雪山", 5) == "雪山…");  // a wide character is never half-shown
  CHECK(ap::fit_width("ïïïï", 3) == "ïï…");
  CHECK(ap::display_width(ap::fit_width("雪山雪山", 4)) <= 4);

  CHECK(ap::pad_to("ab", 4) == "ab  ");
  CHECK(ap::pad_to("雪", 4) == "雪  ");
  CHECK(ap::pad_to("abcdef", 4) == "abcdef");
}

// ---------------------------------------------------------------------------------------------
// request table

TEST_CASE("the request table aligns columns to content", "[render]") {
  AccessRequest second = pending_request();
  second.id = "0b5e7a10-1111-4222-8333-444455556666";
  second.user = "alice";
  second.roles = {"dba", "ops"};
  second.created = t0 + 24h + 1h;
  second.state = RequestState::denied;
  const std::string table = ap::render_request_table(
      {pending_request(), second}, scope_only(), [](const std::string& id) { return id == kId; });
  CHECK(table ==
        "ID                                    User   Access              Created (UTC)        Status\n"
        "9c721e54-b049-4ef8-a7f6-c777aa066764  bob    role dba            23 Nov 26 03:58 UTC  PENDING (waiting)\n"
        "0b5e7a10-1111-4222-8333-444455556666  alice  role dba, role ops  24 Nov 26 04:58 UTC  DENIED\n");
  // Without a waiting predicate nothing is marked.
  CHECK_FALSE(contains(ap::render_request_table({pending_request()}, scope_only()), "waiting"));
}

TEST_CASE("an empty table says so", "[render]") {
  CHECK(ap::render_request_table({}, scope_only()) == "No requests.\n");
}

TEST_CASE("text output never carries raw control characters", "[render]") {
  AccessRequest hostile = pending_request();
  hostile.user = "bob\x1b[2J";
  hostile.roles = {"dba\x07"};
  hostile.reason = "line one\nFAKE: approved\r\x1b]0;title\x07 \xc2\x9b" "31m";
  hostile.reviews = {{"alice\x1b[A", Decision::deny, "no\x1b[1K", t0}};
  hostile.login = "root\n";
  hostile.target = "db-1\x1b";
  hostile.resolution_reason = "\x1b[5m";
  Progress progress = one_of_two();
  progress.can_still_review = {"iv\x1b" "an"};
  progress.scope = "root\n@db-1\x1b (via dba\x07)";

  const std::vector<std::string> outputs = {
      ap::render_request_table({hostile}, [&](const AccessRequest&) { return progress; }),
      ap::render_request(hostile, progress, true),
      ap::render_created(hostile, progress, "ssh -p 2222 approvals@bastion"),
      ap::render_reviewed(hostile, progress, Decision::approve),
      ap::render_cancelled(hostile),
      ap::render_history({{t0, "request.created\x1b", "bob\x1b", "1.2.3.4", "id\x1b", "x\ny\x1b"}},
                         {hostile}, t0, [&](const AccessRequest&) { return progress; }),
  };
  for (const auto& out : outputs) {
    CAPTURE(out);
    CHECK(terminal_safe(out));
  }
  const std::string detail = ap::render_request(hostile, progress, false);
  CHECK(contains(detail, "line one\\nFAKE: approved\\r\\x1b]0;title\\x07 \\xc2\\x9b31m"));
  CHECK(contains(detail, "bob\\x1b[2J"));
  CHECK(contains(detail, "root\\n@db-1\\x1b"));
}

// ---------------------------------------------------------------------------------------------
// one request in detail

TEST_CASE("render_request: a pending request", "[render]") {
  const std::string out = ap::render_request(pending_request(), one_of_two(), true);
  CHECK(out ==
        "Request 9c721e54-b049-4ef8-a7f6-c777aa066764\n"
        "  User:          bob\n"
        "  Roles:         dba\n"
        "  Reason:        ticket #123\n"
        "  Access:        role dba (root on kind=db)\n"
        "  State:         PENDING (waiting)\n"
        "  Created:       23 Nov 26 03:58 UTC\n"
        "  Expires:       23 Nov 26 04:58 UTC\n"
        "  Progress:      1 of 2 approvals\n"
        "  Can review:    ivan\n"
        "  Suggested:     alice, ivan\n"
        "  Reviews:\n"
        "    ✔ alice approved: \"looks fine\" at 23 Nov 26 04:00 UTC\n");
}

TEST_CASE("render_request: approved, denied, inline", "[render]") {
  Progress done = one_of_two();
  done.approvals = 2;
  done.can_still_review = {};
  const std::string approved = ap::render_request(approved_request(), done);
  CHECK(contains(approved, "  State:         APPROVED\n"));
  CHECK(contains(approved, "  Resolved:      23 Nov 26 04:03 UTC\n"));
  CHECK(contains(approved, "  Progress:      2 of 2 approvals\n"));
  CHECK(contains(approved, "    ✔ ivan approved at 23 Nov 26 04:03 UTC\n"));
  CHECK(contains(approved, "  Grant expires: 23 Nov 26 12:03 UTC\n"));
  CHECK_FALSE(contains(approved, "Expires:"));
  CHECK_FALSE(contains(approved, "Can review"));

  AccessRequest denied = pending_request();
  denied.reviews = {{"ivan", Decision::deny, "no ticket", t0 + 1min}};
  denied.state = RequestState::denied;
  denied.resolved = t0 + 1min;
  denied.resolution_reason = "no ticket";
  const std::string d = ap::render_request(denied, one_of_two());
  CHECK(contains(d, "    ✘ ivan denied: \"no ticket\" at 23 Nov 26 03:59 UTC\n"));
  CHECK(contains(d, "  Resolution:    no ticket\n"));
  CHECK_FALSE(contains(d, "Grant expires"));

  AccessRequest inline_request = pending_request();
  inline_request.login = "root";
  inline_request.target = "db-1";
  inline_request.source = "192.0.2.7:50000";
  inline_request.max_duration = 2h;
  inline_request.reviews = {};
  inline_request.reason = "";
  Progress two_roles = one_of_two();
  two_roles.roles = {{"dba", 0, 1, 0, 1}, {"ops", 1, 1, 0, 1}};
  two_roles.can_still_review = {};
  two_roles.scope = "root@db-1 (via dba, ops)";
  const std::string i = ap::render_request(inline_request, two_roles);
  CHECK(contains(i, "  Access:        root@db-1 (via dba, ops) from 192.0.2.7:50000\n"));
  CHECK(contains(i, "  Reason:        (none given)\n"));
  CHECK(contains(i, "  Max duration:  2h\n"));
  CHECK(contains(i, "  Progress:      1 of 2 approvals (dba 0/1, ops 1/1)\n"));
  CHECK(contains(i, "  Can review:    nobody (ask an administrator)\n"));
  CHECK(contains(i, "  Reviews:       none yet\n"));
}

// ---------------------------------------------------------------------------------------------
// outcomes of create, review, cancel

TEST_CASE("render_created: id, need, reviewers, the command to approve", "[render]") {
  AccessRequest created = pending_request();
  created.reviews = {};
  Progress progress = one_of_two();
  progress.approvals = 0;
  progress.can_still_review = {"alice", "ivan"};
  CHECK(ap::render_created(created, progress, "ssh -p 2222 approvals@bastion") ==
        "Request " + kId + " created for role dba (root on kind=db): needs 2 approvals.\n"
        "Reviewers: alice, ivan\n"
        "Approve with: ssh -p 2222 approvals@bastion request review --approve " + kId + "\n");

  created.roles = {"dba", "ops"};
  progress.approvals_needed = 1;
  progress.can_still_review = {};
  progress.scope = "role dba (root on kind=db), role ops (deploy on env=prod)";
  const std::string two = ap::render_created(created, progress, "ssh bastion");
  CHECK(contains(two, "created for role dba (root on kind=db), role ops (deploy on env=prod): "
                      "needs 1 approval.\n"));
  CHECK(contains(two, "Reviewers: nobody can review it (ask an administrator)\n"));
}

TEST_CASE("render_reviewed says where the request stands", "[render]") {
  Progress done = one_of_two();
  done.approvals = 2;
  CHECK(ap::render_reviewed(pending_request(), one_of_two(), Decision::approve) ==
        "Approved request " + kId + ": 1 of 2 approvals so far.\n");
  CHECK(ap::render_reviewed(approved_request(), done, Decision::approve) ==
        "Request " + kId + " is APPROVED: bob holds role dba (root on kind=db) until 23 Nov 26 12:03 UTC.\n");
  AccessRequest denied = pending_request();
  denied.state = RequestState::denied;
  CHECK(ap::render_reviewed(denied, one_of_two(), Decision::deny) ==
        "Request " + kId + " is DENIED.\n");
  CHECK(ap::render_reviewed(pending_request(), one_of_two(), Decision::deny) ==
        "Denied request " + kId + "; it stays pending until enough reviewers deny it.\n");
  CHECK(ap::render_cancelled(pending_request()) == "Request " + kId + " cancelled.\n");
}

// ---------------------------------------------------------------------------------------------
// JSON forms

TEST_CASE("request_json has exactly the documented fields", "[render]") {
  CHECK(ap::request_json(pending_request(), one_of_two()) ==
        R"({"id":"9c721e54-b049-4ef8-a7f6-c777aa066764","user":"bob","roles":["dba"],)"
        R"("reason":"ticket #123","state":"PENDING","created":"2026-11-23T03:58:00Z",)"
        R"("expires":"2026-11-23T04:58:00Z","approvals_needed":2,"approvals":1,)"
        R"("reviews":[{"reviewer":"alice","decision":"APPROVE","reason":"looks fine",)"
        R"("at":"2026-11-23T04:00:00Z"}],"grant_expires":null,"resolution_reason":null,)"
        R"("suggested_reviewers":["alice","ivan"],"login":null,"target":null,)"
        R"x("scope":"role dba (root on kind=db)","break_glass":false,"ratification":null,)x"
            R"("ratify_by":null})");

  AccessRequest approved = approved_request();
  approved.login = "root";
  approved.target = "db-1";
  const std::string json = ap::request_json(approved, one_of_two());
  CHECK(contains(json, R"("state":"APPROVED")"));
  CHECK(contains(json, R"("grant_expires":"2026-11-23T12:03:00Z")"));
  CHECK(contains(json, R"({"reviewer":"ivan","decision":"APPROVE","reason":"","at":"2026-11-23T04:03:00Z"})"));
  CHECK(contains(json, R"("login":"root","target":"db-1")"));

  AccessRequest hostile = pending_request();
  hostile.reason = "a\"b\x1b[2J\n";
  CHECK(contains(ap::request_json(hostile, one_of_two()), R"("reason":"a\"b\u001b[2J\n")"));
}

TEST_CASE("requests_json is an array of request objects", "[render]") {
  auto progress_of = [](const AccessRequest&) { return one_of_two(); };
  CHECK(ap::requests_json({}, progress_of) == "[]");
  const std::string two = ap::requests_json({pending_request(), approved_request()}, progress_of);
  CHECK(two == "[" + ap::request_json(pending_request(), one_of_two()) + "," +
                   ap::request_json(approved_request(), one_of_two()) + "]");
}

// ---------------------------------------------------------------------------------------------
// history

TEST_CASE("history: aligned event lines, then resolved requests", "[render]") {
  const std::vector<holdgate::storage::AuditEvent> events = {
      {t0, "request.created", "bob", "192.0.2.1:1", kId, "roles=dba reason=ticket #123", 1},
      {t0 + 5min, "request.approved", "ivan", "192.0.2.2:2", kId, "", 2},
  };
  CHECK(ap::render_history(events, {approved_request()}, t0 - 24h, scope_only()) ==
        "2026-11-23T03:58:00Z  request.created   bob   " + kId + "  roles=dba reason=ticket #123\n"
        "2026-11-23T04:03:00Z  request.approved  ivan  " + kId + "\n"
        "\n"
        "Resolved since 22 Nov 26 03:58 UTC:\n"
        "ID                                    User  Access    Resolved (UTC)       Status\n"
        + kId + "  bob   role dba  23 Nov 26 04:03 UTC  APPROVED\n");
  CHECK(ap::render_history({}, {}, t0, scope_only()) == "No events since 23 Nov 26 03:58 UTC.\n");

  CHECK(ap::history_json(events) ==
        R"([{"at":"2026-11-23T03:58:00Z","kind":"request.created","actor":"bob",)"
        R"("source":"192.0.2.1:1","subject":"9c721e54-b049-4ef8-a7f6-c777aa066764",)"
        R"("details":"roles=dba reason=ticket #123"},)"
        R"({"at":"2026-11-23T04:03:00Z","kind":"request.approved","actor":"ivan",)"
        R"("source":"192.0.2.2:2","subject":"9c721e54-b049-4ef8-a7f6-c777aa066764",)"
        R"("details":""}])");
  CHECK(ap::history_json({}) == "[]");
}
