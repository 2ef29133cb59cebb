// The interactive reviewer menu (`ssh -t approvals@bastion` with no command), as a pure state
// machine: bytes from the terminal go in, actions and full-screen redraws come out. The proxy
// owns the channel, calls the service for MenuReview actions, and pushes fresh requests.
//
// Screens: the list of requests (arrows, j/k, 1-9, Enter opens; q quits), one request in
// detail (a approves, d denies, b/Esc back, j/k step through), and the reason prompt
// (type, Backspace, Ctrl-U clears, Enter sends, Esc cancels). `s` on the list opens the
// recorded sessions the person may see (Enter or p plays one, e shows how to export it); `w`
// prints a sign-in link for the reviewer web page.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "approvals/request_rules.hpp"
#include "approvals/session_index.hpp"
#include "approvals/session_list.hpp"

namespace holdgate::approvals {

struct MenuItem {
  AccessRequest request;
  Progress progress;
  bool own = false;         // the person's own request: shown, marked, never reviewable here
  bool reviewable = false;  // the person may review it (may_review)
  bool waiting = false;     // its requester is waiting live in a held session
};

struct MenuNone {};
struct MenuQuit {};
struct MenuReview {
  std::string id;
  Decision decision = Decision::approve;
  std::string reason;  // raw, as typed (valid UTF-8, no control characters)
};
// `s` on the list: the proxy reads the finished sessions and calls show_sessions().
struct MenuShowSessions {};
// Enter or `p` on a session: replay it here (`session play ID`).
struct MenuPlay {
  std::string session;
};
// Enter or `w` on a live session: watch it here (`session watch ID`).
struct MenuWatch {
  std::string session;
};
// `k` on a live session, then a reason: end it (`session kill ID --reason REASON`).
struct MenuKill {
  std::string session;
  std::string reason;  // raw, as typed (valid UTF-8, no control characters), never empty
};
// `w` on the list: leave the menu and print a one-time web page sign-in link (`web login`),
// whole, where it can be copied or tapped (a menu line would cut it to the terminal's width).
struct MenuWebLogin {};
using MenuAction = std::variant<MenuNone, MenuQuit, MenuReview, MenuShowSessions, MenuPlay,
                                MenuWatch, MenuKill, MenuWebLogin>;

class Menu {
 public:
  enum class Screen { list, detail, reason, sessions };

  explicit Menu(std::string person);

  // Replaces the requests shown, e.g. whenever one changes. The selection stays on the same
  // request id when it is still there. If the request open in detail or in the reason prompt
  // is gone, the menu returns to the list and says so (unless a message is already showing).
  void set_requests(std::vector<MenuItem> items);

  // Feeds terminal bytes. Decodes keys, including ESC [ A / ESC O A style sequences and UTF-8
  // characters split across calls. Stops at the first action and keeps the remaining bytes:
  // call on_input({}) again until it returns MenuNone to drain them.
  MenuAction on_input(std::string_view bytes);

  // A lone ESC at the end of the input so far may be the start of an arrow key, so it is held
  // back. When no more bytes arrive shortly (the proxy's ~50 ms timer), call
  // on_escape_timeout() to take it as the Esc key.
  bool escape_pending() const;
  MenuAction on_escape_timeout();

  // A full-screen redraw: ESC[H ESC[2J, then at most `rows` lines joined by "\r\n" (none after
  // the last, so the screen never scrolls), none wider than `cols` columns. In the reason
  // prompt the cursor ends at the end of the typed text. Its cost grows with `rows`: callers
  // pass sizes bounded by policy::clamp_terminal_size (4096 rows: ~4 ms for 200 requests).
  std::string render(int cols, int rows) const;

  // Opens (or refreshes) the sessions screen: `live` ones first (newest first, as
  // live_sessions_for gives them), then `recorded` (as recorded_sessions_for gives them);
  // `invocation` ("ssh -p 2222 approvals@bastion") is for the export hint. On a refresh the
  // selection stays on the same session when it is still there.
  void show_sessions(std::vector<SessionRow> live, std::vector<EndedSession> recorded,
                     std::string invocation);

  // The MenuKill for `session` succeeded: it is no longer listed as live (its channel closes a
  // moment later) and `message` says so.
  void session_killed(const std::string& session, std::string message);

  // A one-line note shown at the bottom until the next key, e.g. "Approved." or an error.
  void show_message(std::string message);

  // For tests and for the proxy's bookkeeping.
  Screen screen() const { return screen_; }
  std::optional<std::string> selected_id() const;
  const std::string& draft_reason() const { return reason_; }
  const std::string& message() const { return message_; }

 private:
  enum class Key {
    none, up, down, home, end, page_up, page_down, enter, escape, backspace, clear_line,
    interrupt, end_of_file, text
  };
  struct Decoded {
    Key key = Key::none;
    std::size_t length = 0;  // bytes consumed; 0 = incomplete, wait for more
    std::string text;        // for Key::text: one printable character
  };
  static Decoded decode(std::string_view bytes, bool flush);

  MenuAction process(bool flush);
  MenuAction handle(const Decoded& key);
  MenuAction on_list_key(const Decoded& key);
  MenuAction on_detail_key(const Decoded& key);
  MenuAction on_reason_key(const Decoded& key);
  MenuAction on_sessions_key(const Decoded& key);
  std::vector<std::string> session_lines(int rows) const;
  void move(int delta);
  void start_review(Decision decision);
  void start_kill();
  const SessionRow* selected_live() const;  // on the sessions screen, a live one selected
  std::string session_at(std::size_t index) const;  // live ones first; "" past the end
  const MenuItem* selected() const;

  std::vector<std::string> list_lines(int rows) const;
  std::vector<std::string> detail_lines(const MenuItem& item, int cols) const;

  std::string person_;
  std::vector<MenuItem> items_;
  std::size_t index_ = 0;
  std::string selected_id_;
  Screen screen_ = Screen::list;
  Decision decision_ = Decision::approve;
  std::string reason_;
  std::string message_;
  std::string pending_;   // bytes not yet decoded
  bool after_cr_ = false; // the last byte was CR: a following LF is the same Enter
  // Screen::reason: for a review of the selected request, or to end the selected live session
  // (then Enter and Esc return to the sessions screen).
  bool reason_ends_session_ = false;
  std::vector<SessionRow> live_;        // Screen::sessions: listed first
  std::vector<EndedSession> sessions_;  // Screen::sessions: after the live ones
  std::size_t session_index_ = 0;       // into live_, then sessions_
  std::string invocation_;
};

}  // namespace holdgate::approvals
