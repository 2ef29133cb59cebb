// The reviewer menu's terminal input (approvals/menu.hpp): keys, escape sequences and UTF-8 as
// they arrive from `ssh -t approvals@bastion`, in reads of any size, with Esc timeouts between
// them. Whatever is typed, every redraw fits the terminal and carries no escape but its own
// clear-screen, and what the menu hands the proxy (a reason, an id) is what the rules allow.
#include <chrono>
#include <string>
#include <vector>

#include "approvals/menu.hpp"
#include "approvals/render.hpp"
#include "fuzz_check.hpp"
#include "policy/sanitize.hpp"

namespace {

namespace ap = holdgate::approvals;
using holdgate::fuzz::has_no_control_bytes;
using holdgate::fuzz::valid_utf8;
using namespace std::chrono_literals;

const ap::TimePoint t0 = ap::TimePoint{} + std::chrono::hours(497'000);

// Requests and sessions whose text is hostile too: escapes, bidi overrides, wide characters.
ap::MenuItem item(std::string id, std::string user, std::string reason, bool own, bool reviewable) {
  ap::MenuItem m;
  m.request.id = std::move(id);
  m.request.user = std::move(user);
  m.request.roles = {"dba", "ops\x1b[2J"};
  m.request.reason = std::move(reason);
  m.request.state = ap::RequestState::pending;
  m.request.created = t0;
  m.request.expires = t0 + 1h;
  m.progress.approvals_needed = 2;
  m.progress.can_still_review = {"alice", "ivan\u202e"};
  m.progress.scope = "root@db-1 (via dba)";
  m.own = own;
  m.reviewable = reviewable;
  return m;
}

std::vector<ap::MenuItem> requests() {
  return {item("7f3a9c1e-0000-4000-8000-000000000001", "bob", "ticket #123: disk full on db-1", false, true),
          item("7f3a9c1e-0000-4000-8000-000000000002", "carol\x1b]0;owned\x07",
               "人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人人 a very long reason",
               false, true),
          item("7f3a9c1e-0000-4000-8000-000000000003", "alice", "my own\r\nfake line", true, false),
          item("7f3a9c1e-0000-4000-8000-000000000004", "dave", "view only", false, false)};
}

std::vector<ap::SessionRow> live_sessions() {
  ap::SessionRow row;
  row.id = "1a2b3c4d";
  row.owner = {"bob\x1b[31m", {"dba"}, ""};
  row.login = "root";
  row.target = "db-1";
  row.kind = "shell";
  row.live = true;
  row.pty = true;
  row.duration = 90s;
  ap::SessionRow exec = row;
  exec.id = "1a2b3c4d-2";
  exec.pty = false;
  exec.kind = "exec";
  return {row, exec};
}

std::vector<ap::EndedSession> recorded_sessions() {
  ap::EndedSession cast;
  cast.session = "9e8d7c6b";
  cast.person = "carol";
  cast.subject = "root@db-2\u2028";
  cast.ended = t0;
  cast.kind = "shell";
  cast.recording = "2026/9e8d7c6b.cast";
  ap::EndedSession stream = cast;
  stream.session = "9e8d7c6b-2";
  stream.recording = "2026/9e8d7c6b-2.stream";
  return {cast, stream};
}


// A reason as typed: what the proxy passes to the service and shows to others.
void check_reason(const std::string& reason) {
  FUZZ_CHECK(reason.size() <= ap::max_reason_bytes);
  FUZZ_CHECK(valid_utf8(reason));
  FUZZ_CHECK(has_no_control_bytes(reason));
}

void check_screen(const std::string& screen, int cols, int rows) {
  const std::string_view clear = "\x1b[H\x1b[2J";
  FUZZ_CHECK(screen.compare(0, clear.size(), clear) == 0);
  std::string_view rest = std::string_view(screen).substr(clear.size());
  int lines = 0;
  for (;;) {
    const auto end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    ++lines;
    FUZZ_CHECK(has_no_control_bytes(line));
    FUZZ_CHECK(valid_utf8(line));
    FUZZ_CHECK(ap::display_width(line) <= static_cast<std::size_t>(cols));
    if (end == std::string_view::npos) break;
    rest = rest.substr(end + 2);
  }
  FUZZ_CHECK(lines == rows);
}

class Driver {
 public:
  explicit Driver(int cols, int rows) : menu_("alice\x1b[5m"), cols_(cols), rows_(rows) {
    menu_.set_requests(requests());
  }

  // Acts on each action as the proxy would, until the menu has nothing more to do.
  void drain(ap::MenuAction action) {
    for (int guard = 0; !std::holds_alternative<ap::MenuNone>(action); ++guard) {
      FUZZ_CHECK(guard < 100000);
      act(action);
      action = menu_.on_input({});
    }
  }

  void feed(std::string_view bytes) { drain(menu_.on_input(bytes)); }
  void timeout() { drain(menu_.on_escape_timeout()); }

  // A redraw costs far more than a key: the first few and the last are checked.
  void check(bool last = false) {
    check_reason(menu_.draft_reason());
    if (last || renders_++ < 8) check_screen(menu_.render(cols_, rows_), cols_, rows_);
  }

 private:
  void act(const ap::MenuAction& action) {
    if (auto* review = std::get_if<ap::MenuReview>(&action)) {
      check_reason(review->reason);
      bool listed = false;
      for (const auto& request : requests()) listed |= request.request.id == review->id;
      FUZZ_CHECK(listed);
      // The second review of a run resolves the request: it leaves the list.
      auto items = requests();
      if (++reviews_ % 2 == 0) {
        std::erase_if(items, [&](const ap::MenuItem& m) { return m.request.id == review->id; });
      }
      menu_.set_requests(std::move(items));
      menu_.show_message("Approved.");
    } else if (auto* kill = std::get_if<ap::MenuKill>(&action)) {
      check_reason(kill->reason);
      FUZZ_CHECK(!kill->reason.empty());
      menu_.session_killed(kill->session, "Session ended.");
    } else if (std::holds_alternative<ap::MenuShowSessions>(action)) {
      menu_.show_sessions(live_sessions(), recorded_sessions(), "ssh -p 2222 approvals@bastion");
    }
    // MenuQuit, MenuPlay, MenuWatch: the proxy leaves the menu; feeding on is harmless here.
  }

  ap::Menu menu_;
  int cols_, rows_;
  int renders_ = 0;
  int reviews_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Three bytes of set-up: the terminal's columns and rows, and the size of the reads.
  if (size < 3) return 0;
  const int cols = 1 + data[0] % 160;
  const int rows = 1 + data[1] % 60;
  const std::size_t piece = data[2] == 0 ? size : data[2] % 16 + 1;
  const std::string_view keys(reinterpret_cast<const char*>(data + 3), size - 3);

  Driver driver(cols, rows);
  driver.check();
  std::size_t reads = 0;
  for (std::size_t at = 0; at < keys.size(); at += piece, ++reads) {
    driver.feed(keys.substr(at, piece));
    // Every other pause between reads is long enough for the Esc timer to fire.
    if (reads % 2 == 1) driver.timeout();
    driver.check();
  }
  driver.timeout();
  driver.check(true);
  return 0;
}
