// The reviewer pages (web/pages.hpp): hostile strings in every field come out as text, every
// form carries the CSRF token, only the buttons the person may use appear, and no page has
// inline script or style (the server's Content-Security-Policy forbids them).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "web/assets.hpp"
#include "web/pages.hpp"
#include "web_page_checks.hpp"

using namespace holdgate;
using namespace std::chrono;
using web_checks::forms;
using web_checks::page_problem;
using web_checks::text_of;

namespace {

const std::string hostile = std::string("<script>alert(1)</script>\"><img src=x onerror=alert(1)>'") +
                            "\xE2\x80\xAE" "gnp.exe\xE2\x81\xA6\xE2\x80\x8F" + std::string(1, '\0') +
                            "\x1b[2J\xC3\x28\xFF<a href=\"javascript:alert(1)\">";

const storage::TimePoint now{seconds(1795500000)};
const std::string id = "9c721e54-b049-4ef8-a7f6-c777aa066764";

web::PageFrame frame() { return {"alice", "tok\"en<1>", now}; }

web::RequestView view_of(std::string user, std::string reason) {
  web::RequestView view;
  view.request.id = id;
  view.request.user = std::move(user);
  view.request.roles = {"dba"};
  view.request.reason = std::move(reason);
  view.request.created = now - minutes(6);
  view.request.expires = now + minutes(14);
  view.progress.approvals = 1;
  view.progress.approvals_needed = 2;
  view.progress.can_still_review = {"alice", "carol"};
  view.progress.scope = "root@db-1 (via dba)";
  return view;
}

web::RequestView hostile_view() {
  auto view = view_of(hostile, hostile);
  view.request.id = hostile;
  view.request.roles = {hostile};
  view.request.source = hostile;
  view.request.suggested_reviewers = {hostile};
  view.request.resolution_reason = hostile;
  view.request.reviews.push_back({hostile, storage::Decision::deny, hostile, now});
  view.progress.can_still_review = {hostile};
  view.progress.scope = hostile;
  view.may_review = view.may_cancel = view.may_drop = true;
  return view;
}

std::vector<storage::AuditEvent> hostile_events() {
  return {{now, hostile, hostile, hostile, hostile, hostile},
          {now, "request.created", "bob", "", id, "{\"a\":\"</li><script>\"}"}};
}

// Every page the server can send, filled with hostile strings.
std::vector<std::string> hostile_pages() {
  web::PageFrame f = frame();
  f.person = hostile;
  f.csrf_token = hostile;
  f.show_history = true;
  return {
      web::requests_page(f, {hostile_view()}, {hostile_view()}),
      web::request_page(f, hostile_view(), hostile_events()),
      web::history_page(f, hostile_events()),
      web::message_page(f, hostile, hostile, "/", hostile),
      web::message_page(f, hostile, hostile, hostile, hostile),
  };
}

// The forms about requests (the header's sign-out form aside).
std::vector<web_checks::Form> request_forms(const std::string& page) {
  std::vector<web_checks::Form> found;
  for (auto& form : forms(page))
    if (form.action != "/logout") found.push_back(std::move(form));
  return found;
}

}  // namespace

TEST_CASE("Pages show hostile strings only as text", "[web]") {
  for (const auto& page : hostile_pages()) {
    CAPTURE(page);
    CHECK(page_problem(page).empty());
    INFO(page_problem(page));
    CHECK(page.find("<img") == std::string::npos);
    CHECK(page.find("<script>") == std::string::npos);
    CHECK(page.find("href=\"javascript") == std::string::npos);
    CHECK(page.find("\x1b") == std::string::npos);
    CHECK(page.find('\0') == std::string::npos);
    CHECK(page.find("\xE2\x80\xAE") == std::string::npos);
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") !=
          std::string::npos);
    CHECK(page.find("\\u202Egnp.exe\\u2066\\u200F\\u0000\\u001B[2J") != std::string::npos);
  }
}

TEST_CASE("The request page shows a hostile reason and id escaped, the id percent-encoded in URLs", "[web]") {
  const auto page = web::request_page(frame(), hostile_view(), {});
  const auto all = request_forms(page);
  REQUIRE(all.size() == 3);
  for (const auto& form : all) {
    CAPTURE(form.action);
    CHECK(form.action.rfind("/requests/%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%3E%3Cimg", 0) == 0);
    CHECK(form.action.find('<') == std::string::npos);
    CHECK(form.action.find('"') == std::string::npos);
  }
}

TEST_CASE("Every form posts with the CSRF token", "[web]") {
  auto view = view_of("bob", "disk full");
  view.may_review = view.may_cancel = view.may_drop = true;
  const std::vector<std::string> pages = {
      web::requests_page(frame(), {view}, {view}), web::request_page(frame(), view, {})};
  for (const auto& page : pages) {
    const auto all = forms(page);
    REQUIRE_FALSE(all.empty());
    for (const auto& form : all) {
      CAPTURE(form.action);
      CHECK(form.method == "post");
      // The token as written into the attribute: escaped, so it cannot end the attribute.
      CHECK(std::count(form.fields.begin(), form.fields.end(),
                       std::pair<std::string, std::string>{"csrf", "tok&quot;en&lt;1&gt;"}) == 1);
    }
  }
}

TEST_CASE("Signed-in pages have a sign-out form posting the CSRF token to /logout", "[web]") {
  using Field = std::pair<std::string, std::string>;
  for (const auto& page : {web::requests_page(frame(), {}, {}),
                           web::message_page(frame(), "Refused", "No.", "/", "Back")}) {
    const auto all = forms(page);
    REQUIRE(all.size() == 1);
    CHECK(all[0].action == "/logout");
    CHECK(all[0].method == "post");
    CHECK(all[0].fields == std::vector<Field>{{"csrf", "tok&quot;en&lt;1&gt;"}});
  }
  CHECK(forms(web::message_page(web::PageFrame{{}, {}, now}, "Sign in", "Use a link.")).empty());
}

TEST_CASE("The review form: one reason, two decisions, posting to /requests/ID/review", "[web]") {
  auto view = view_of("bob", "disk full");
  view.may_review = true;
  const auto all = request_forms(web::request_page(frame(), view, {}));
  REQUIRE(all.size() == 1);
  CHECK(all[0].action == "/requests/" + id + "/review");
  using Field = std::pair<std::string, std::string>;
  CHECK(all[0].fields == std::vector<Field>{{"csrf", "tok&quot;en&lt;1&gt;"}, {"reason", ""},
                                            {"decision", "approve"}, {"decision", "deny"}});
}

TEST_CASE("Only the buttons the person may use appear", "[web]") {
  struct Case {
    bool review, cancel, drop;
    std::vector<std::string> actions;
  };
  const std::string base = "/requests/" + id;
  const std::vector<Case> cases = {
      {false, false, false, {}},
      {true, false, false, {base + "/review"}},
      {false, true, false, {base + "/cancel"}},
      {false, false, true, {base + "/drop"}},
      {true, true, true, {base + "/review", base + "/cancel", base + "/drop"}},
  };
  for (const auto& c : cases) {
    auto view = view_of("bob", "disk full");
    view.may_review = c.review;
    view.may_cancel = c.cancel;
    view.may_drop = c.drop;
    const auto page = web::request_page(frame(), view, {});
    std::vector<std::string> actions;
    for (const auto& form : request_forms(page)) actions.push_back(form.action);
    CAPTURE(c.review, c.cancel, c.drop);
    CHECK(actions == c.actions);
    CHECK((page.find("name=\"decision\"") != std::string::npos) == c.review);
    CHECK(page_problem(page).empty());
  }
  // The list never has a review form (reviews happen on the request's page), only own actions.
  auto view = view_of("bob", "disk full");
  view.may_review = view.may_cancel = true;
  std::vector<std::string> actions;
  for (const auto& form : request_forms(web::requests_page(frame(), {view}, {}))) actions.push_back(form.action);
  CHECK(actions.empty());
  for (const auto& form : request_forms(web::requests_page(frame(), {}, {view}))) actions.push_back(form.action);
  CHECK(actions == std::vector<std::string>{base + "/cancel"});
}

TEST_CASE("The list says who, what, why, votes, who else can approve, age and expiry", "[web]") {
  const auto text = text_of(web::requests_page(frame(), {view_of("bob", "disk full")}, {}));
  CHECK(text.find("bob wants root@db-1 (via dba)") != std::string::npos);
  CHECK(text.find("disk full") != std::string::npos);
  CHECK(text.find("1 of 2 approvals") != std::string::npos);
  CHECK(text.find("can still approve: alice, carol") != std::string::npos);
  CHECK(text.find("asked 6m ago") != std::string::npos);
  CHECK(text.find("expires in 14m") != std::string::npos);
  CHECK(text.find("My requests") != std::string::npos);
  CHECK(text.find("You have no requests.") != std::string::npos);
  CHECK(text.find("alice") != std::string::npos);  // the header says who is signed in
}

TEST_CASE("Break-glass requests are marked loudly, held ones as waiting", "[web]") {
  auto view = view_of("erin", "primary down");
  view.request.state = storage::RequestState::approved;
  view.request.ratification = storage::Ratification::awaiting;
  view.request.ratify_by = now + hours(4);
  view.request.grant_expires = now + minutes(54);
  view.may_review = true;
  const auto page = web::request_page(frame(), view, {});
  CHECK(page.find("class=\"alarm\"") != std::string::npos);
  CHECK(text_of(page).find("BREAK-GLASS") != std::string::npos);
  CHECK(text_of(page).find("ratify it by 24 Nov 26 10:00 UTC") != std::string::npos);
  CHECK(page.find(">Ratify</button>") != std::string::npos);
  CHECK(text_of(web::requests_page(frame(), {view}, {})).find("BREAK-GLASS") != std::string::npos);

  auto plain = view_of("bob", "disk full");
  CHECK(text_of(web::request_page(frame(), plain, {})).find("BREAK-GLASS") == std::string::npos);
  CHECK(web::requests_page(frame(), {plain}, {}).find("badge waiting") == std::string::npos);
  plain.waiting = true;
  CHECK(web::requests_page(frame(), {plain}, {}).find("badge waiting") != std::string::npos);
  CHECK(text_of(web::request_page(frame(), plain, {})).find("bob is waiting in a terminal") != std::string::npos);
}

TEST_CASE("The request page lists reviews and history", "[web]") {
  auto view = view_of("bob", "disk full");
  view.request.reviews.push_back({"ivan", storage::Decision::approve, "watch the lag", now - minutes(2)});
  view.request.reviews.push_back({"carol", storage::Decision::deny, "", now - minutes(1)});
  const std::vector<storage::AuditEvent> events = {
      {now - minutes(6), "request.created", "bob", "203.0.113.7", id, "root@db-1 (via dba)"}};
  const auto text = text_of(web::request_page(frame(), view, events));
  CHECK(text.find("ivan approved 24 Nov 26 05:58 UTC") != std::string::npos);
  CHECK(text.find("watch the lag") != std::string::npos);
  CHECK(text.find("carol denied") != std::string::npos);
  CHECK(text.find("request.created bob 203.0.113.7") != std::string::npos);
}

TEST_CASE("The history page links request ids and nothing else", "[web]") {
  const std::vector<storage::AuditEvent> events = {
      {now, "request.approved", "alice", "", id, ""},
      {now, "login.denied", "bob", "", "../../etc/passwd", ""}};
  const auto page = web::history_page(frame(), events);
  CHECK(page.find("<a href=\"/requests/" + id + "\">") != std::string::npos);
  CHECK(page.find("href=\"/requests/..") == std::string::npos);
  CHECK(page_problem(page).empty());
}

TEST_CASE("Message pages link only to same-origin paths", "[web]") {
  CHECK(web::message_page(frame(), "Done", "Approved.", "/", "Back").find("href=\"/\"") != std::string::npos);
  for (const char* link : {"javascript:alert(1)", "//evil.example/", "https://evil.example/", " /"}) {
    CAPTURE(link);
    const auto page = web::message_page(frame(), "Done", "Approved.", link, "Back");
    CHECK(page.find("Back") == std::string::npos);
    CHECK(page_problem(page).empty());
  }
  // Signed out: no person in the header, and the sentence as given.
  const auto signin = web::message_page(web::PageFrame{{}, {}, now}, "Sign in",
                                        "Get a link with: ssh -p 2222 approvals@bastion web login");
  CHECK(text_of(signin).find("ssh -p 2222 approvals@bastion web login") != std::string::npos);
  CHECK(signin.find("class=\"person\"") == std::string::npos);
  CHECK(signin.find("data-live") == std::string::npos);  // app.js leaves it alone
}

TEST_CASE("Pages are for phones and get their look and script from /static", "[web]") {
  const auto page = web::requests_page(frame(), {}, {});
  CHECK(page.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") != std::string::npos);
  CHECK(page.find("<link rel=\"stylesheet\" href=\"/static/app.css\">") != std::string::npos);
  CHECK(page.find("<script src=\"/static/app.js\" defer></script>") != std::string::npos);
  CHECK(page.find("<main data-live=\"1\">") != std::string::npos);
  CHECK(page.find("href=\"/history\"") == std::string::npos);
  auto f = frame();
  f.show_history = true;
  CHECK(web::requests_page(f, {}, {}).find("href=\"/history\"") != std::string::npos);
}

TEST_CASE("The assets are small, self-contained and CSP-clean", "[web]") {
  const auto css = web::stylesheet();
  CHECK(css.size() < 10000);
  CHECK(css.find("@import") == std::string_view::npos);
  CHECK(css.find("url(") == std::string_view::npos);
  CHECK(css.find("@font-face") == std::string_view::npos);
  CHECK(css.find("prefers-color-scheme:dark") != std::string_view::npos);
  const auto js = web::live_script();
  CHECK(js.find("new EventSource(\"/events\")") != std::string_view::npos);
  CHECK(js.find("setInterval") == std::string_view::npos);  // no polling
  CHECK(js.find("eval(") == std::string_view::npos);
  CHECK(js.find("innerHTML") == std::string_view::npos);
  CHECK(js.find("credentials: \"same-origin\"") != std::string_view::npos);
}
