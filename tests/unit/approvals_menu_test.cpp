// The interactive reviewer menu as a pure state machine: key sequences in, actions and screens
// out. Every screen must fit the terminal (80x24 and smaller) whatever people typed.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "approvals/menu.hpp"
#include "approvals/render.hpp"

namespace ap = holdgate::approvals;
using namespace std::chrono_literals;
using ap::Decision;
using ap::Menu;
using ap::MenuAction;
using ap::MenuItem;
using ap::MenuNone;
using ap::MenuQuit;
using ap::MenuReview;
using ap::RequestState;
using Screen = Menu::Screen;

namespace {

const ap::TimePoint t0 = ap::TimePoint{} + std::chrono::hours(497'000);

MenuItem item(const std::string& id, const std::string& user, const std::string& reason,
              bool own = false, bool reviewable = true) {
  MenuItem m;
  m.request.id = id;
  m.request.user = user;
  m.request.roles = {"dba"};
  m.request.reason = reason;
  m.request.state = RequestState::pending;
  m.request.created = t0;
  m.request.expires = t0 + 1h;
  m.progress.roles = {{"dba", 0, 2, 0, 1}};
  m.progress.approvals_needed = 2;
  m.progress.can_still_review = {"alice", "ivan"};
  m.progress.scope = "role dba";
  m.own = own;
  m.reviewable = reviewable;
  return m;
}

// alice's menu: two requests she can review and her own.
Menu alice_menu() {
  Menu menu("alice");
  menu.set_requests({item("id-bob", "bob", "ticket #123"), item("id-carol", "carol", "incident 7"),
                     item("id-alice", "alice", "my own", true, false)});
  return menu;
}

bool is_none(const MenuAction& action) { return std::holds_alternative<MenuNone>(action); }

std::vector<std::string> screen_lines(const std::string& screen) {
  const std::string prefix = "\x1b[H\x1b[2J";
  REQUIRE(screen.rfind(prefix, 0) == 0);
  std::vector<std::string> lines;
  std::string rest = screen.substr(prefix.size());
  std::size_t start = 0;
  while (true) {
    auto end = rest.find("\r\n", start);
    lines.push_back(rest.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return lines;
}

// At most `rows` lines, none wider than `cols`, and no control byte left in any line.
void check_fits(const std::string& screen, int cols, int rows) {
  const auto lines = screen_lines(screen);
  CHECK(lines.size() <= static_cast<std::size_t>(rows));
  for (const auto& line : lines) {
    CAPTURE(line);
    CHECK(ap::display_width(line) <= static_cast<std::size_t>(cols));
    for (unsigned char c : line) CHECK((c >= 0x20 && c != 0x7f));
  }
}

bool screen_has(const Menu& menu, const std::string& text, int cols = 80, int rows = 24) {
  return menu.render(cols, rows).find(text) != std::string::npos;
}

std::string long_reason() {
  std::string reason = "\x1b[2J\x1b]0;pwned\x07 ";
  for (int i = 0; i < 60; ++i) reason += "word" + std::to_string(i) + " 雪山 ";
  reason += std::string(300, 'x') + "\n\r\t end";
  return reason;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// fitting the screen

TEST_CASE("every screen fits 80x24 with many requests and long reasons", "[menu]") {
  Menu menu("alice\x1b[31m with a very long name that goes on and on and on and on and on");
  std::vector<MenuItem> items;
  for (int i = 0; i < 40; ++i) {
    auto m = item("id-" + std::to_string(i) + std::string(40, 'f'),
                  "user-with-a-long-name-" + std::to_string(i), long_reason(), i % 7 == 0, i % 3 != 0);
    m.request.roles = {"dba", "ops", "a-very-long-role-name", "another\x1b[1m"};
    m.waiting = i % 2 == 0;
    for (int r = 0; r < 30; ++r) {
      m.request.reviews.push_back({"reviewer-" + std::to_string(r), r % 2 ? Decision::deny : Decision::approve,
                                   long_reason(), t0});
    }
    items.push_back(m);
  }
  menu.set_requests(items);

  for (auto [cols, rows] : {std::pair{80, 24}, {40, 10}, {20, 5}, {120, 50}, {1, 1}, {0, 0}}) {
    CAPTURE(cols, rows);
    check_fits(menu.render(cols, rows), std::max(cols, 1), std::max(rows, 1));
  }
  CHECK(screen_lines(menu.render(80, 24)).size() == 24);

  // Scroll to the bottom: the selected row stays visible.
  for (int i = 0; i < 39; ++i) menu.on_input("j");
  CHECK(menu.selected_id() == "id-39" + std::string(40, 'f'));
  const std::string bottom = menu.render(80, 24);
  check_fits(bottom, 80, 24);
  CHECK(bottom.find("> ") != std::string::npos);
  CHECK(bottom.find("(40 of 40)") != std::string::npos);

  // Detail and reason prompt, with a long reason typed.
  menu.on_input("\r");
  REQUIRE(menu.screen() == Screen::detail);
  check_fits(menu.render(80, 24), 80, 24);
  check_fits(menu.render(30, 8), 30, 8);
  menu.on_input("k");  // to item 38, reviewable
  menu.on_input("a");
  REQUIRE(menu.screen() == Screen::reason);
  menu.on_input(std::string(500, 'r') + "雪");
  const std::string prompt = menu.render(80, 24);
  check_fits(prompt, 80, 24);
  // The prompt is the last line and shows the end of what was typed.
  const auto lines = screen_lines(prompt);
  CHECK(lines.back().rfind("Reason to approve: …", 0) == 0);
  CHECK(lines.back().find("rrr雪") != std::string::npos);
  check_fits(menu.render(10, 3), 10, 3);
}

TEST_CASE("an empty menu says so and quits on q", "[menu]") {
  Menu menu("alice");
  const std::string screen = menu.render(80, 24);
  check_fits(screen, 80, 24);
  CHECK(screen.find("nothing to review") != std::string::npos);
  CHECK(screen.find("No requests are waiting for you.") != std::string::npos);
  CHECK(menu.selected_id() == std::nullopt);
  CHECK(is_none(menu.on_input("\r")));  // nothing to open
  CHECK(menu.screen() == Screen::list);
  CHECK(std::holds_alternative<MenuQuit>(menu.on_input("q")));
}

TEST_CASE("the list shows who, what, why, progress and marks", "[menu]") {
  Menu menu = alice_menu();
  auto items = std::vector<MenuItem>{item("id-bob", "bob", "ticket #123"),
                                     item("id-alice", "alice", "my own", true, false),
                                     item("id-eve", "eve", "just looking", false, false)};
  items[0].waiting = true;
  items[0].progress.approvals = 1;
  menu.set_requests(items);
  const auto lines = screen_lines(menu.render(80, 24));
  CHECK(lines[0] == "Approvals for alice: 3 requests");
  CHECK(lines[2] == "      ID        User   Access    Votes  Reason");
  CHECK(lines[3] == "> 1   id-bob    bob    role dba  1/2    [waiting] ticket #123");
  CHECK(lines[4] == "  2   id-alice  alice  role dba  0/2    [yours] my own");
  CHECK(lines[5] == "  3   id-eve    eve    role dba  0/2    [view only] just looking");
  CHECK(lines.back() == "Up/Down or j/k: move   Enter or 1-9: open   s: sessions   w: web link   q: quit");
}

// ---------------------------------------------------------------------------------------------
// keys

TEST_CASE("moving: j/k, arrows in both encodings, Home/End, PageUp/PageDown, clamped", "[menu]") {
  Menu menu = alice_menu();
  CHECK(menu.selected_id() == "id-bob");
  menu.on_input("j");
  CHECK(menu.selected_id() == "id-carol");
  menu.on_input("k");
  CHECK(menu.selected_id() == "id-bob");
  menu.on_input("k");  // clamped at the top
  CHECK(menu.selected_id() == "id-bob");
  menu.on_input("\x1b[B");
  CHECK(menu.selected_id() == "id-carol");
  menu.on_input("\x1bOB");
  CHECK(menu.selected_id() == "id-alice");
  menu.on_input("\x1b[B");  // clamped at the bottom
  CHECK(menu.selected_id() == "id-alice");
  menu.on_input("\x1bOA");
  CHECK(menu.selected_id() == "id-carol");
  menu.on_input("\x1b[H");
  CHECK(menu.selected_id() == "id-bob");
  menu.on_input("\x1b[F");
  CHECK(menu.selected_id() == "id-alice");
  menu.on_input("\x1b[1~");
  CHECK(menu.selected_id() == "id-bob");
  menu.on_input("\x1b[6~");
  CHECK(menu.selected_id() == "id-alice");
  menu.on_input("\x1b[5~");
  CHECK(menu.selected_id() == "id-bob");
  menu.on_input("\x1b[1;5B");  // Ctrl-Down is still down
  CHECK(menu.selected_id() == "id-carol");
  menu.on_input("\x1b[C\x1b[D\x1b[200~");  // left, right, paste bracket: ignored
  CHECK(menu.selected_id() == "id-carol");
  CHECK(menu.screen() == Screen::list);
  menu.on_input("jjjj\x1b[A\x1b[A");
  CHECK(menu.selected_id() == "id-bob");
}

TEST_CASE("arrow sequences split across reads", "[menu]") {
  Menu menu = alice_menu();
  CHECK(is_none(menu.on_input("\x1b")));
  CHECK(menu.escape_pending());
  CHECK(is_none(menu.on_input("[")));
  CHECK(menu.selected_id() == "id-bob");
  CHECK(is_none(menu.on_input("B")));
  CHECK_FALSE(menu.escape_pending());
  CHECK(menu.selected_id() == "id-carol");

  menu.on_input("\x1b[");
  menu.on_input("A");
  CHECK(menu.selected_id() == "id-bob");
  menu.on_input("\x1bO");
  menu.on_input("B");
  CHECK(menu.selected_id() == "id-carol");
  // Byte by byte, with a parameter.
  for (char c : std::string("\x1b[1;2A")) menu.on_input(std::string(1, c));
  CHECK(menu.selected_id() == "id-bob");
  // Two keys in one read, the second split.
  menu.on_input("\x1b[B\x1b");
  CHECK(menu.selected_id() == "id-carol");
  menu.on_input("[B");
  CHECK(menu.selected_id() == "id-alice");
}

TEST_CASE("a lone Esc: held back, then taken as Esc on timeout or on the next key", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("\r");
  REQUIRE(menu.screen() == Screen::detail);
  CHECK(is_none(menu.on_input("\x1b")));
  CHECK(menu.screen() == Screen::detail);  // could still be an arrow
  CHECK(menu.escape_pending());
  CHECK(is_none(menu.on_escape_timeout()));
  CHECK(menu.screen() == Screen::list);
  CHECK_FALSE(menu.escape_pending());

  menu.on_input("\r");
  menu.on_input("\x1b");
  menu.on_input("j");  // Esc then j: back, then move
  CHECK(menu.screen() == Screen::list);
  CHECK(menu.selected_id() == "id-carol");
  CHECK(is_none(menu.on_escape_timeout()));  // nothing pending: nothing happens
}

TEST_CASE("Enter, numbers and b/Esc/q move between list and detail", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("\r");
  CHECK(menu.screen() == Screen::detail);
  CHECK(screen_has(menu, "Request id-bob"));
  CHECK(screen_has(menu, "ticket #123"));
  menu.on_input("b");
  CHECK(menu.screen() == Screen::list);
  menu.on_input("2");
  CHECK(menu.screen() == Screen::detail);
  CHECK(menu.selected_id() == "id-carol");
  menu.on_input("q");  // q in detail goes back, it does not quit
  CHECK(menu.screen() == Screen::list);
  menu.on_input("9");  // no ninth request
  CHECK(menu.screen() == Screen::list);
  menu.on_input("3\x7f");  // Backspace also goes back
  CHECK(menu.screen() == Screen::list);
  menu.on_input("1j");  // j in detail steps to the next request
  CHECK(menu.screen() == Screen::detail);
  CHECK(menu.selected_id() == "id-carol");
  menu.on_input("\r\n");  // CR LF is one Enter; Enter in detail does nothing
  CHECK(menu.screen() == Screen::detail);
  CHECK(std::holds_alternative<MenuQuit>(menu.on_input("\x03")));  // Ctrl-C quits
  Menu other = alice_menu();
  CHECK(std::holds_alternative<MenuQuit>(other.on_input("\x04")));  // so does Ctrl-D
}

TEST_CASE("approve: a, reason, Enter gives a review action", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("\r");
  CHECK(screen_has(menu, "a: approve   d: deny"));
  CHECK(is_none(menu.on_input("a")));
  CHECK(menu.screen() == Screen::reason);
  CHECK(is_none(menu.on_input("looks ")));
  CHECK(is_none(menu.on_input("fine")));
  CHECK(screen_lines(menu.render(80, 24)).back() == "Reason to approve: looks fine");
  auto action = menu.on_input("\r");
  REQUIRE(std::holds_alternative<MenuReview>(action));
  const auto& review = std::get<MenuReview>(action);
  CHECK(review.id == "id-bob");
  CHECK(review.decision == Decision::approve);
  CHECK(review.reason == "looks fine");
  CHECK(menu.screen() == Screen::detail);
  CHECK(menu.draft_reason().empty());

  menu.show_message("Approved.");
  CHECK(screen_has(menu, "Approved."));
  menu.on_input("j");  // the next key clears it
  CHECK_FALSE(screen_has(menu, "Approved."));
}

TEST_CASE("deny with an empty reason, and CR LF is one Enter", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("2d");
  CHECK(menu.screen() == Screen::reason);
  CHECK(screen_lines(menu.render(80, 24)).back() == "Reason to deny: ");
  auto action = menu.on_input("\r\n");
  REQUIRE(std::holds_alternative<MenuReview>(action));
  CHECK(std::get<MenuReview>(action).id == "id-carol");
  CHECK(std::get<MenuReview>(action).decision == Decision::deny);
  CHECK(std::get<MenuReview>(action).reason.empty());
  CHECK(is_none(menu.on_input("")));
  // CR and LF in separate reads: still one Enter.
  menu.on_input("d");
  CHECK(std::holds_alternative<MenuReview>(menu.on_input("no\r")));
  CHECK(is_none(menu.on_input("\n")));
  CHECK(menu.screen() == Screen::detail);
}

TEST_CASE("reason editing: Backspace (0x7f and 0x08), Ctrl-U, UTF-8, controls ignored", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("\ra");
  menu.on_input("abc");
  menu.on_input("\x7f");
  CHECK(menu.draft_reason() == "ab");
  menu.on_input("\x08");
  CHECK(menu.draft_reason() == "a");
  menu.on_input("\x7f\x7f\x7f");  // more than there is
  CHECK(menu.draft_reason().empty());
  menu.on_input("xyz\x15");
  CHECK(menu.draft_reason().empty());
  menu.on_input("caf\xc3");  // é split across reads
  menu.on_input("\xa9 雪");
  CHECK(menu.draft_reason() == "café 雪");
  menu.on_input("\x7f");  // removes the whole wide character
  CHECK(menu.draft_reason() == "café ");
  menu.on_input("\x7f\x7f");
  CHECK(menu.draft_reason() == "caf");
  menu.on_input(std::string("\x01\x02\t\x1b[C\xff\xc2\x9b", 10));  // controls, arrows, junk
  CHECK(menu.draft_reason() == "caf");
  menu.on_input("#1 'quoted' \"x\" \\");
  CHECK(menu.draft_reason() == "caf#1 'quoted' \"x\" \\");
  auto action = menu.on_input("\r");
  REQUIRE(std::holds_alternative<MenuReview>(action));
  CHECK(std::get<MenuReview>(action).reason == "caf#1 'quoted' \"x\" \\");
}

TEST_CASE("a reason is capped at max_reason_bytes", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("\ra");
  menu.on_input(std::string(ap::max_reason_bytes + 10, 'x'));
  CHECK(menu.draft_reason().size() == ap::max_reason_bytes);
  CHECK(screen_has(menu, "A reason is at most 1024 bytes."));
}

TEST_CASE("Esc or Ctrl-C in the prompt cancels without sending", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("\ra");
  menu.on_input("half a reas");
  CHECK(is_none(menu.on_input("\x1b")));
  CHECK(menu.screen() == Screen::reason);  // maybe an arrow key
  CHECK(is_none(menu.on_escape_timeout()));
  CHECK(menu.screen() == Screen::detail);
  CHECK(menu.draft_reason().empty());
  CHECK(screen_has(menu, "Review cancelled; nothing was sent."));

  menu.on_input("dnope");
  CHECK(is_none(menu.on_input("\x03")));
  CHECK(menu.screen() == Screen::detail);

  // Esc followed by more bytes in the same read cancels at once.
  menu.on_input("d");
  CHECK(is_none(menu.on_input("\x1b" "b")));  // Esc cancels, b goes back to the list
  CHECK(menu.screen() == Screen::list);
}

TEST_CASE("own, unreviewable and resolved requests cannot be reviewed from the menu", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("3");
  REQUIRE(menu.selected_id() == "id-alice");
  CHECK(screen_has(menu, "(your own request)"));
  CHECK_FALSE(screen_has(menu, "a: approve"));
  CHECK(is_none(menu.on_input("a")));
  CHECK(menu.screen() == Screen::detail);
  CHECK(menu.message() == "You cannot review your own request.");
  CHECK(screen_has(menu, "You cannot review your own request."));
  CHECK(is_none(menu.on_input("d\r")));
  CHECK(menu.screen() == Screen::detail);

  auto items = std::vector<MenuItem>{item("id-x", "eve", "x", false, false), item("id-y", "bob", "y")};
  items[1].request.state = RequestState::approved;
  menu.set_requests(items);
  menu.on_input("1a");
  CHECK(menu.message() == "You may not review this request.");
  menu.on_input("jd");
  CHECK(menu.message() == "This request is APPROVED; it can no longer be reviewed.");
  CHECK(menu.screen() == Screen::detail);
}

TEST_CASE("actions stop input; the rest is kept for the next call", "[menu]") {
  Menu menu = alice_menu();
  auto action = menu.on_input("\raok\rbj");
  REQUIRE(std::holds_alternative<MenuReview>(action));
  CHECK(std::get<MenuReview>(action).reason == "ok");
  CHECK(menu.screen() == Screen::detail);
  CHECK(menu.selected_id() == "id-bob");
  CHECK(is_none(menu.on_input({})));  // b, j
  CHECK(menu.screen() == Screen::list);
  CHECK(menu.selected_id() == "id-carol");

  Menu other = alice_menu();
  CHECK(std::holds_alternative<MenuQuit>(other.on_input("qj")));
}

// ---------------------------------------------------------------------------------------------
// refreshes

TEST_CASE("a refresh keeps the selection on the same request", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("j");
  REQUIRE(menu.selected_id() == "id-carol");
  menu.set_requests({item("id-new", "dave", "new one"), item("id-alice", "alice", "mine", true),
                     item("id-carol", "carol", "incident 7"), item("id-bob", "bob", "x")});
  CHECK(menu.selected_id() == "id-carol");
  CHECK(screen_lines(menu.render(80, 24))[5].rfind("> 3", 0) == 0);

  // Open it; a refresh with new progress stays on it and shows the news.
  menu.on_input("\r");
  auto updated = item("id-carol", "carol", "incident 7");
  updated.progress.approvals = 1;
  updated.request.reviews = {{"ivan", Decision::approve, "ok", t0}};
  menu.set_requests({item("id-bob", "bob", "x"), updated});
  CHECK(menu.screen() == Screen::detail);
  CHECK(menu.selected_id() == "id-carol");
  CHECK(screen_has(menu, "1 of 2 approvals"));
  CHECK(screen_has(menu, "✔ ivan approved: \"ok\""));
}

TEST_CASE("when the open request goes away the menu returns to the list", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("2");
  menu.set_requests({item("id-bob", "bob", "x"), item("id-alice", "alice", "mine", true)});
  CHECK(menu.screen() == Screen::list);
  CHECK(menu.message() == "That request is no longer listed.");
  CHECK(menu.selected_id().has_value());

  // Mid-reason: nothing is sent, and the person is told.
  menu.on_input("1a");
  menu.on_input("half typed");
  REQUIRE(menu.screen() == Screen::reason);
  menu.set_requests({item("id-alice", "alice", "mine", true)});
  CHECK(menu.screen() == Screen::list);
  CHECK(menu.draft_reason().empty());
  CHECK(menu.message() == "That request was resolved or withdrawn; your review was not sent.");
  CHECK(menu.selected_id() == "id-alice");

  // A message already showing (the result of one's own review) is kept.
  menu.set_requests({item("id-bob", "bob", "x")});
  menu.on_input("\r");
  menu.show_message("Approved.");
  menu.set_requests({});
  CHECK(menu.screen() == Screen::list);
  CHECK(menu.message() == "Approved.");
  CHECK(menu.selected_id() == std::nullopt);
  CHECK(is_none(menu.on_input("a")));
}

TEST_CASE("what people typed is shown harmless", "[menu]") {
  Menu menu("alice\x1b[2J");
  auto hostile = item("id-\x1b[31m", "bob\x07", "reason\x1b]0;title\x07\nFAKE LINE");
  hostile.request.reviews = {{"ivan\x1b[A", Decision::deny, "no\r\x1b[K", t0}};
  menu.set_requests({hostile});
  check_fits(menu.render(80, 24), 80, 24);
  CHECK(screen_has(menu, "alice\\x1b[2J"));
  CHECK(screen_has(menu, "reason\\x1b]0;title\\x07\\nFAKE LINE"));
  menu.on_input("\r");
  check_fits(menu.render(80, 24), 80, 24);
  CHECK(screen_has(menu, "✘ ivan\\x1b[A denied: \"no\\r\\x1b[K\""));
  menu.on_input("a\\x");
  check_fits(menu.render(80, 24), 80, 24);
  CHECK(screen_lines(menu.render(80, 24)).back() == "Reason to approve: \\\\x");
}

// ---------------------------------------------------------------------------------------------
// the sessions screen

namespace {
ap::SessionRow live(std::string id, std::string person, bool pty = true) {
  ap::SessionRow row;
  row.id = std::move(id);
  row.owner.person = std::move(person);
  row.login = "root";
  row.target = "db-1";
  row.kind = pty ? "shell" : "exec";
  row.live = true;
  row.pty = pty;
  row.duration = std::chrono::seconds(65);
  return row;
}

std::string footer(const Menu& menu) { return screen_lines(menu.render(80, 24)).back(); }

ap::EndedSession ended(std::string id, std::string person, int minute) {
  ap::EndedSession s;
  s.session = std::move(id);
  s.person = std::move(person);
  s.subject = "root@db-1";
  s.ended = ap::TimePoint{} + std::chrono::hours(497'000) + std::chrono::minutes(minute);
  s.recording = s.session + ".cast";
  return s;
}
}  // namespace

TEST_CASE("s opens the sessions screen; Enter or p plays, e shows the export command", "[menu]") {
  Menu menu = alice_menu();
  CHECK(std::holds_alternative<ap::MenuShowSessions>(menu.on_input("s")));
  menu.show_sessions({}, {ended("aaaa0001", "alice", 2), ended("bbbb0002-2", "bob\x1b[2J", 1)},
                     "ssh -p 2222 approvals@bastion");
  CHECK(menu.screen() == Screen::sessions);
  CHECK(screen_has(menu, "aaaa0001"));
  CHECK(screen_has(menu, "root@db-1"));
  check_fits(menu.render(80, 24), 80, 24);
  check_fits(menu.render(20, 5), 20, 5);

  auto first = menu.on_input("\r");
  REQUIRE(std::holds_alternative<ap::MenuPlay>(first));
  CHECK(std::get<ap::MenuPlay>(first).session == "aaaa0001");
  CHECK(is_none(menu.on_input("j")));
  auto second = menu.on_input("p");
  REQUIRE(std::holds_alternative<ap::MenuPlay>(second));
  CHECK(std::get<ap::MenuPlay>(second).session == "bbbb0002-2");
  CHECK(is_none(menu.on_input("e")));
  CHECK(menu.message() ==
        "Export: ssh -p 2222 approvals@bastion session export bbbb0002-2 > bbbb0002-2.cast");
  CHECK(is_none(menu.on_input("b")));
  CHECK(menu.screen() == Screen::list);
  menu.on_input("s");
  menu.show_sessions({}, {}, "ssh ... approvals@bastion");
  CHECK(screen_has(menu, "none"));
  CHECK(is_none(menu.on_input("\r")));  // nothing to play
  CHECK(std::holds_alternative<MenuQuit>(menu.on_input("q")));
}

TEST_CASE("live sessions come first, marked LIVE; Enter or w watches one", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("s");
  menu.show_sessions({live("cccc0003", "carol\x1b]0;x\x07"), live("dddd0004", "dave", false)},
                     {ended("aaaa0001", "alice", 2)}, "ssh approvals@bastion");
  CHECK(screen_has(menu, "Sessions alice may see: 2 live, 1 recorded"));
  const auto lines = screen_lines(menu.render(80, 24));
  REQUIRE(lines.size() == 24);
  CHECK(lines[3].rfind("  > cccc0003     LIVE for 1m05s       carol\\x1b", 0) == 0);  // made visible
  CHECK(lines[3].find("  root@db-1") != std::string::npos);
  CHECK(lines[4] == "    dddd0004     LIVE for 1m05s       dave          root@db-1  (exec)");
  CHECK(lines[5].rfind("    aaaa0001     ", 0) == 0);
  check_fits(menu.render(80, 24), 80, 24);
  check_fits(menu.render(20, 5), 20, 5);
  CHECK(footer(menu) == "Up/Down: move   Enter/w: watch   k: end it   b/Esc: back   q: quit");

  auto watch = menu.on_input("\r");
  REQUIRE(std::holds_alternative<ap::MenuWatch>(watch));
  CHECK(std::get<ap::MenuWatch>(watch).session == "cccc0003");
  CHECK(menu.screen() == Screen::sessions);  // the proxy takes over until q, then redraws this
  CHECK(is_none(menu.on_input("p")));
  CHECK(menu.message() == "Session cccc0003 is live: Enter or w watches it.");
  CHECK(is_none(menu.on_input("e")));
  CHECK(menu.message() == "Session cccc0003 is live: its recording can be exported once it ends.");

  CHECK(is_none(menu.on_input("\x1b[B")));  // down
  watch = menu.on_input("w");
  REQUIRE(std::holds_alternative<ap::MenuWatch>(watch));
  CHECK(std::get<ap::MenuWatch>(watch).session == "dddd0004");

  // Down to the recorded one: its own keys, and live-only ones say why not.
  CHECK(is_none(menu.on_input("j")));
  CHECK(footer(menu) == "Up/Down: move   Enter/p: play   e: export   b/Esc: back   q: quit");
  CHECK(is_none(menu.on_input("w")));
  CHECK(menu.message() == "Session aaaa0001 has ended: Enter or p plays its recording.");
  CHECK(is_none(menu.on_input("k")));
  CHECK(menu.message() == "Session aaaa0001 has ended already.");
  CHECK(menu.screen() == Screen::sessions);
  CHECK(std::holds_alternative<ap::MenuPlay>(menu.on_input("\r")));
  CHECK(is_none(menu.on_input("\x1b[A")));  // up, back on a live one
  CHECK(footer(menu) == "Up/Down: move   Enter/w: watch   k: end it   b/Esc: back   q: quit");

  // A refresh keeps the selection on the same session.
  menu.show_sessions({live("eeee0005", "erin"), live("dddd0004", "dave", false)}, {},
                     "ssh approvals@bastion");
  CHECK(std::get<ap::MenuWatch>(menu.on_input("w")).session == "dddd0004");
}

TEST_CASE("k on a live session asks for a reason in the review prompt, then ends it", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("s");
  menu.show_sessions({live("cccc0003", "carol"), live("dddd0004", "dave")}, {}, "ssh approvals@bastion");

  // Esc cancels, nothing is sent.
  CHECK(is_none(menu.on_input("k")));
  CHECK(menu.screen() == Screen::reason);
  CHECK(footer(menu) == "Reason to end carol's session: ");
  CHECK(is_none(menu.on_input("oops")));
  CHECK(is_none(menu.on_input("\x1b")));
  CHECK(is_none(menu.on_escape_timeout()));
  CHECK(menu.screen() == Screen::sessions);
  CHECK(menu.message() == "Nothing was ended.");

  // A reason is needed: the person is shown it.
  menu.on_input("k");
  CHECK(is_none(menu.on_input("\r")));
  CHECK(menu.screen() == Screen::reason);
  CHECK(menu.message() == "Type a reason first: carol is shown it.");
  CHECK(is_none(menu.on_input("incident 8\x7f" "7 雪")));
  CHECK(footer(menu) == "Reason to end carol's session: incident 7 雪");
  CHECK(screen_has(menu, "Enter: end the session   Backspace/Ctrl-U: edit   Esc: cancel"));
  check_fits(menu.render(80, 24), 80, 24);
  check_fits(menu.render(20, 5), 20, 5);
  auto kill = menu.on_input("\r");
  REQUIRE(std::holds_alternative<ap::MenuKill>(kill));
  CHECK(std::get<ap::MenuKill>(kill).session == "cccc0003");
  CHECK(std::get<ap::MenuKill>(kill).reason == "incident 7 雪");
  CHECK(menu.screen() == Screen::sessions);

  // It worked: no longer listed as live, and the footer says so.
  menu.session_killed("cccc0003", "Session cccc0003 of carol (root@db-1) ended: incident 7");
  CHECK(menu.message() == "Session cccc0003 of carol (root@db-1) ended: incident 7");
  CHECK_FALSE(screen_has(menu, "carol   "));
  CHECK(screen_has(menu, "  > dddd0004"));
  CHECK(std::get<ap::MenuWatch>(menu.on_input("\r")).session == "dddd0004");
}

TEST_CASE("a request changing does not leave the sessions screen or its reason prompt", "[menu]") {
  Menu menu = alice_menu();
  menu.on_input("\r");  // id-bob in detail
  menu.on_input("b");
  menu.on_input("s");
  menu.show_sessions({live("cccc0003", "carol")}, {}, "ssh approvals@bastion");
  menu.set_requests({});
  CHECK(menu.screen() == Screen::sessions);
  CHECK(menu.message().empty());
  menu.on_input("k");
  menu.set_requests({item("id-carol", "carol", "incident 7")});
  CHECK(menu.screen() == Screen::reason);
  menu.on_input("x\r");
  CHECK(menu.screen() == Screen::sessions);
}

TEST_CASE("menu: w on the list asks for a web page sign-in link", "[menu][web]") {
  Menu menu("alice");
  CHECK(std::holds_alternative<ap::MenuWebLogin>(menu.on_input("w")));
  CHECK(footer(menu).find("w: web link") != std::string::npos);
  CHECK(footer(menu).size() <= 80);
}
