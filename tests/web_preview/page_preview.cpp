// holdgate_page_preview OUTDIR: writes every reviewer page (web/pages.hpp), rendered from sample
// data with hostile strings in it, as HTML files, plus the assets under OUTDIR/static/, so a
// real browser can open them without the server (tests/integration/test_web_pages_browser.py).
// Built with the tests, never installed.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "web/assets.hpp"
#include "web/pages.hpp"

namespace {

using namespace holdgate;
using std::chrono::hours;
using std::chrono::minutes;

// Markup, a quote-breaking attribute, NUL, a bidi override and bytes that are not UTF-8.
const std::string hostile = std::string("<script>alert(1)</script>\"><img src=x onerror=alert(1)>") +
                            " '\xE2\x80\xAE" "gnp.exe" + std::string(1, '\0') + "\xC3\x28\xFF" +
                            " <a href=\"javascript:alert(1)\">x</a>";

const storage::TimePoint now = storage::TimePoint(std::chrono::seconds(1795500000));  // a fixed moment

storage::AccessRequest base_request(std::string id, std::string user, std::string reason) {
  storage::AccessRequest r;
  r.id = std::move(id);
  r.user = std::move(user);
  r.roles = {"dba"};
  r.reason = std::move(reason);
  r.created = now - minutes(6);
  r.expires = now + minutes(14);
  r.login = "root";
  r.target = "db-1";
  r.source = "203.0.113.7";
  return r;
}

approvals::Progress progress(int approvals, int needed, std::vector<std::string> can_review,
                             std::string scope) {
  approvals::Progress p;
  p.approvals = approvals;
  p.approvals_needed = needed;
  p.can_still_review = std::move(can_review);
  p.scope = std::move(scope);
  return p;
}

web::RequestView main_view() {
  auto r = base_request("9c721e54-b049-4ef8-a7f6-c777aa066764", "bob",
                        "Disk on db-1 is at 97%: rotating the WAL archives (INC-4211)");
  r.reviews.push_back({"ivan", storage::Decision::approve, "ok, watch the replica lag", now - minutes(2)});
  r.max_duration = hours(1);
  web::RequestView view{r, progress(1, 2, {"alice", "carol"}, "root@db-1 (via dba)")};
  view.waiting = true;
  view.may_review = true;
  return view;
}

web::RequestView hostile_view() {
  auto r = base_request("4b1d0a3c-1111-4ccc-8ddd-000000000001", "mallory" + hostile, hostile);
  r.roles = {hostile};
  r.source = hostile;
  r.suggested_reviewers = {hostile};
  r.resolution_reason = hostile;
  r.reviews.push_back({hostile, storage::Decision::deny, hostile, now - minutes(1)});
  web::RequestView view{r, progress(0, 2, {hostile, "alice"}, hostile)};
  view.may_review = true;
  return view;
}

web::RequestView breakglass_view() {
  auto r = base_request("0f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a", "erin",
                        "Primary down, paging did not reach anyone");
  r.state = storage::RequestState::approved;
  r.ratification = storage::Ratification::awaiting;
  r.ratify_by = now + hours(4);
  r.resolved = r.created;
  r.grant_expires = now + minutes(54);
  web::RequestView view{r, progress(0, 1, {"alice", "ivan"}, "root@db-1 (via dba)")};
  view.may_review = true;
  return view;
}

std::vector<web::RequestView> mine() {
  auto pending = base_request("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "alice", "Check the backup job");
  pending.target = "backup-1";
  web::RequestView first{pending, progress(0, 1, {"ivan"}, "root@backup-1 (via ops)")};
  first.may_cancel = true;
  auto approved = base_request("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "alice", "Rotate certificates");
  approved.state = storage::RequestState::approved;
  approved.created = now - hours(1);
  approved.resolved = now - minutes(50);
  approved.grant_expires = now + minutes(70);
  web::RequestView second{approved, progress(1, 1, {}, "role ops (root on kind=web)")};
  second.may_drop = true;
  return {first, second};
}

std::vector<storage::AuditEvent> history() {
  const std::string id = "9c721e54-b049-4ef8-a7f6-c777aa066764";
  return {
      {now - minutes(2), "request.reviewed", "ivan", "198.51.100.4", id, "approve: ok, watch the replica lag"},
      {now - minutes(6), "request.created", "bob", "203.0.113.7", id, "root@db-1 (via dba)"},
  };
}

std::vector<storage::AuditEvent> hostile_history() {
  auto events = history();
  events.insert(events.begin(), {now - minutes(1), hostile, hostile, hostile, hostile, hostile});
  events.insert(events.begin(), {now, "login.denied", "mallory", "", "../../etc/passwd", "{\"x\":\"</li><script>\"}"});
  return events;
}

bool write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: holdgate_page_preview OUTDIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir / "static");
  web::PageFrame frame{"alice", "csrf-token-0123456789abcdef", now};
  frame.show_history = true;
  const std::vector<web::RequestView> reviewable = {main_view(), breakglass_view(), hostile_view()};
  const struct {
    const char* name;
    std::string html;
  } pages[] = {
      {"requests.html", web::requests_page(frame, reviewable, mine())},
      {"requests-empty.html", web::requests_page(frame, {}, {})},
      {"request.html", web::request_page(frame, main_view(), history())},
      {"request-hostile.html", web::request_page(frame, hostile_view(), hostile_history())},
      {"request-breakglass.html", web::request_page(frame, breakglass_view(), history())},
      {"request-own.html", web::request_page(frame, mine()[0], {})},
      {"history.html", web::history_page(frame, hostile_history())},
      {"message.html", web::message_page(frame, "This link has been used", hostile, "/", "Back to the requests")},
      {"signin.html", web::message_page(web::PageFrame{{}, {}, now}, "Sign in",
                                        "Get a link with: ssh -p 2222 approvals@bastion web login")},
  };
  bool ok = write(dir / "static" / "app.css", web::stylesheet()) &&
            write(dir / "static" / "app.js", web::live_script());
  for (const auto& page : pages) ok = write(dir / page.name, page.html) && ok;
  if (!ok) {
    std::fprintf(stderr, "holdgate_page_preview: cannot write to %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
