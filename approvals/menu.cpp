#include "approvals/menu.hpp"

#include <algorithm>

#include "approvals/render.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {
namespace {

using policy::sanitize;

constexpr std::size_t label_width = 11;  // "Reviewers: "
constexpr int page = 10;                  // PageUp/PageDown step; the menu does not know rows here
constexpr std::size_t max_sequence = 32;  // an unfinished escape sequence longer than this is junk

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + sanitize(item);
  return out;
}

std::string plural(int count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string labelled(std::string_view label, const std::string& value) {
  return pad_to(std::string(label) + ":", label_width) + value;
}

// Splits text into code points with their widths (for cutting from either end).
std::vector<std::pair<std::string, std::size_t>> characters(std::string_view text) {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = 1;
    while (i + length < text.size() && (static_cast<unsigned char>(text[i + length]) & 0xc0) == 0x80) {
      ++length;
    }
    auto character = text.substr(i, length);
    out.emplace_back(std::string(character), display_width(character));
    i += length;
  }
  return out;
}

// The first `width` columns of `text`, without an ellipsis: a short id prefix.
std::string prefix_columns(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t used = 0;
  for (const auto& [character, w] : characters(text)) {
    if (used + w > width) break;
    out += character;
    used += w;
  }
  return out;
}

// The END of `text` in at most `width` columns, "…" first when cut: a prompt shows what was
// typed last.
std::string fit_tail(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  auto chars = characters(text);
  std::size_t used = 0, first = chars.size();
  while (first > 0 && used + chars[first - 1].second <= width - 1) used += chars[--first].second;
  std::string out = "…";
  for (std::size_t k = first; k < chars.size(); ++k) out += chars[k].first;
  return out;
}

// Word-wraps `text` into lines of at most `width` columns; more than `max_lines` end in "…".
std::vector<std::string> wrap(std::string_view text, std::size_t width, std::size_t max_lines) {
  std::vector<std::string> lines;
  if (width == 0) return lines;
  std::string line;
  std::size_t used = 0;
  auto flush = [&] {
    lines.push_back(std::move(line));
    line.clear();
    used = 0;
  };
  std::size_t start = 0;
  while (start < text.size()) {
    const auto space = text.find(' ', start);
    const auto word = text.substr(start, space == std::string_view::npos ? text.npos : space - start);
    start = space == std::string_view::npos ? text.size() : space + 1;
    if (word.empty()) continue;
    const std::size_t w = display_width(word);
    if (used > 0 && used + 1 + w <= width) {
      line += " ";
      line += word;
      used += 1 + w;
      continue;
    }
    if (used > 0) flush();
    // A word wider than the line is cut wherever the width runs out.
    for (const auto& [character, cw] : characters(word)) {
      if (used + cw > width && used > 0) flush();
      line += character;
      used += cw;
    }
  }
  if (used > 0 || lines.empty()) flush();
  if (lines.size() > max_lines) {
    lines.resize(max_lines);
    // Force the ellipsis even when the kept line itself fits.
    auto& last = lines.back();
    last = display_width(last) < width ? last + "…" : fit_width(last + "…", width);
  }
  return lines;
}

std::string review_line(const storage::Review& review) {
  const bool approve = review.decision == Decision::approve;
  std::string out = std::string(approve ? "  ✔ " : "  ✘ ") + sanitize(review.reviewer) +
                    (approve ? " approved" : " denied");
  if (!review.reason.empty()) out += ": \"" + sanitize(review.reason) + "\"";
  return out + " at " + table_time(review.at);
}

}  // namespace

Menu::Menu(std::string person) : person_(std::move(person)) {}

void Menu::set_requests(std::vector<MenuItem> items) {
  items_ = std::move(items);
  bool kept = false;
  for (std::size_t i = 0; i < items_.size() && !selected_id_.empty(); ++i) {
    if (items_[i].request.id == selected_id_) {
      index_ = i;
      kept = true;
    }
  }
  if (!kept) index_ = items_.empty() ? 0 : std::min(index_, items_.size() - 1);
  // Only a screen about a request leaves when it goes; the sessions screens stay.
  const bool about_request = screen_ == Screen::detail || (screen_ == Screen::reason && !reason_ends_session_);
  if (!kept && about_request) {
    if (screen_ == Screen::reason) {
      message_ = "That request was resolved or withdrawn; your review was not sent.";
    } else if (message_.empty()) {
      message_ = "That request is no longer listed.";
    }
    screen_ = Screen::list;
    reason_.clear();
  }
  selected_id_ = items_.empty() ? "" : items_[index_].request.id;
}

std::optional<std::string> Menu::selected_id() const {
  if (items_.empty()) return std::nullopt;
  return selected_id_;
}

const MenuItem* Menu::selected() const { return items_.empty() ? nullptr : &items_[index_]; }

void Menu::show_message(std::string message) { message_ = std::move(message); }

MenuAction Menu::on_input(std::string_view bytes) {
  pending_.append(bytes);
  return process(false);
}

bool Menu::escape_pending() const { return !pending_.empty() && pending_.front() == '\x1b'; }

MenuAction Menu::on_escape_timeout() { return process(true); }

MenuAction Menu::process(bool flush) {
  std::size_t i = 0;
  MenuAction action = MenuNone{};
  while (i < pending_.size() && std::holds_alternative<MenuNone>(action)) {
    const std::string_view rest = std::string_view(pending_).substr(i);
    // CR LF, or CR and LF in separate reads, is one Enter.
    if (after_cr_ && rest.front() == '\n') {
      after_cr_ = false;
      ++i;
      continue;
    }
    const Decoded key = decode(rest, flush);
    if (key.length == 0) break;
    after_cr_ = rest.front() == '\r' && key.length == 1;
    i += key.length;
    action = handle(key);
  }
  pending_.erase(0, i);
  return action;
}

Menu::Decoded Menu::decode(std::string_view bytes, bool flush) {
  const auto c = static_cast<unsigned char>(bytes[0]);
  if (c == 0x1b) {
    if (bytes.size() == 1) return flush ? Decoded{Key::escape, 1, {}} : Decoded{};
    if (bytes[1] == '[') {
      for (std::size_t j = 2; j < bytes.size(); ++j) {
        const auto b = static_cast<unsigned char>(bytes[j]);
        if (b >= 0x40 && b <= 0x7e) {
          const auto params = bytes.substr(2, j - 2);
          Key key = Key::none;
          switch (b) {
            case 'A': key = Key::up; break;
            case 'B': key = Key::down; break;
            case 'H': key = Key::home; break;
            case 'F': key = Key::end; break;
            case '~':
              if (params == "1" || params == "7") key = Key::home;
              if (params == "4" || params == "8") key = Key::end;
              if (params == "5") key = Key::page_up;
              if (params == "6") key = Key::page_down;
              break;
            default: break;  // left/right, function keys, paste brackets: nothing to do
          }
          return {key, j + 1, {}};
        }
        // Not a sequence after all: drop what was read, decode the odd byte on its own.
        if (b < 0x20 || b > 0x7e) return {Key::none, j, {}};
      }
      if (flush || bytes.size() > max_sequence) return {Key::none, bytes.size(), {}};
      return {};
    }
    if (bytes[1] == 'O') {
      if (bytes.size() == 2) return flush ? Decoded{Key::none, 2, {}} : Decoded{};
      switch (bytes[2]) {
        case 'A': return {Key::up, 3, {}};
        case 'B': return {Key::down, 3, {}};
        case 'H': return {Key::home, 3, {}};
        case 'F': return {Key::end, 3, {}};
        default: return {Key::none, 3, {}};
      }
    }
    return {Key::escape, 1, {}};  // Esc, then whatever follows as its own key
  }
  switch (c) {
    case '\r': return {Key::enter, bytes.size() > 1 && bytes[1] == '\n' ? 2u : 1u, {}};
    case '\n': return {Key::enter, 1, {}};
    case 0x7f:
    case 0x08: return {Key::backspace, 1, {}};
    case 0x15: return {Key::clear_line, 1, {}};
    case 0x03: return {Key::interrupt, 1, {}};
    case 0x04: return {Key::end_of_file, 1, {}};
    default: break;
  }
  if (c < 0x20) return {Key::none, 1, {}};
  if (c < 0x80) return {Key::text, 1, std::string(1, static_cast<char>(c))};
  const std::size_t length = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (length == 0) return {Key::none, 1, {}};
  if (bytes.size() < length) return flush ? Decoded{Key::none, bytes.size(), {}} : Decoded{};
  const std::string character(bytes.substr(0, length));
  // sanitize() leaves exactly the valid, printable characters unchanged.
  if (policy::sanitize(character) != character) return {Key::none, 1, {}};
  return {Key::text, length, character};
}

MenuAction Menu::handle(const Decoded& key) {
  if (key.key == Key::none) return MenuNone{};
  message_.clear();
  switch (screen_) {
    case Screen::list: return on_list_key(key);
    case Screen::detail: return on_detail_key(key);
    case Screen::reason: return on_reason_key(key);
    case Screen::sessions: return on_sessions_key(key);
  }
  return MenuNone{};
}

std::string Menu::session_at(std::size_t index) const {
  if (index < live_.size()) return live_[index].id;
  index -= live_.size();
  return index < sessions_.size() ? sessions_[index].session : std::string();
}

void Menu::show_sessions(std::vector<SessionRow> live, std::vector<EndedSession> recorded,
                         std::string invocation) {
  const std::string kept = screen_ == Screen::sessions ? session_at(session_index_) : std::string();
  live_ = std::move(live);
  sessions_ = std::move(recorded);
  invocation_ = std::move(invocation);
  session_index_ = 0;
  for (std::size_t i = 0; !kept.empty() && i < live_.size() + sessions_.size(); ++i) {
    if (session_at(i) == kept) session_index_ = i;
  }
  screen_ = Screen::sessions;
  reason_ends_session_ = false;
}

void Menu::session_killed(const std::string& session, std::string message) {
  std::erase_if(live_, [&](const SessionRow& row) { return row.id == session; });
  const std::size_t count = live_.size() + sessions_.size();
  session_index_ = count == 0 ? 0 : std::min(session_index_, count - 1);
  message_ = std::move(message);
}

const SessionRow* Menu::selected_live() const {
  const bool on_sessions = screen_ == Screen::sessions || (screen_ == Screen::reason && reason_ends_session_);
  return on_sessions && session_index_ < live_.size() ? &live_[session_index_] : nullptr;
}

void Menu::start_kill() {
  screen_ = Screen::reason;
  reason_ends_session_ = true;
  reason_.clear();
}

MenuAction Menu::on_sessions_key(const Decoded& key) {
  const char c = key.key == Key::text && key.text.size() == 1 ? key.text[0] : '\0';
  const std::size_t count = live_.size() + sessions_.size();
  const SessionRow* live = selected_live();
  const bool recorded = live == nullptr && session_index_ < count;
  const std::string id = sanitize(session_at(session_index_));
  // `k` ends a session here, so it does not move: the arrows (and j) do.
  if (key.key == Key::up && session_index_ > 0) --session_index_;
  else if ((key.key == Key::down || c == 'j') && session_index_ + 1 < count) ++session_index_;
  else if ((key.key == Key::enter || c == 'w') && live) return MenuWatch{live->id};
  else if ((key.key == Key::enter || c == 'p') && recorded) return MenuPlay{session_at(session_index_)};
  else if (c == 'w' && recorded) message_ = "Session " + id + " has ended: Enter or p plays its recording.";
  else if (c == 'p' && live) message_ = "Session " + id + " is live: Enter or w watches it.";
  else if (c == 'k' && live) start_kill();
  else if (c == 'k' && recorded) message_ = "Session " + id + " has ended already.";
  else if (c == 'e' && recorded) {
    // A menu cannot hand over a file: the command that writes one is the answer.
    const bool bytes = has_stream_recording(sessions_[session_index_ - live_.size()]);
    message_ = "Export: " + invocation_ + " session export " + id +
               (bytes ? " --stream stdout > " + id + ".out" : " > " + id + ".cast");
  } else if (c == 'e' && live) {
    message_ = "Session " + id + " is live: its recording can be exported once it ends.";
  } else if (key.key == Key::escape || key.key == Key::backspace || c == 'b') {
    screen_ = Screen::list;
  } else if (c == 'q' || key.key == Key::interrupt || key.key == Key::end_of_file) {
    return MenuQuit{};
  }
  return MenuNone{};
}

std::vector<std::string> Menu::session_lines(int rows) const {
  std::vector<std::string> lines;
  std::string count;
  if (!live_.empty()) count = std::to_string(live_.size()) + " live";
  if (!sessions_.empty()) count += (count.empty() ? "" : ", ") + std::to_string(sessions_.size()) + " recorded";
  lines.push_back("Sessions " + fit_width(sanitize(person_), 24) + " may see: " + (count.empty() ? "none" : count));
  lines.emplace_back();
  if (count.empty()) {
    lines.emplace_back("  No live sessions, and no finished ones with a recording, are yours or a role's you review.");
    return lines;
  }
  lines.push_back("    Session      Ended or live        Person        Login");
  auto row = [](bool selected, const std::string& id, const std::string& when, const std::string& person,
                const std::string& login) {
    return std::string(selected ? "  > " : "    ") + pad_to(fit_width(sanitize(id), 11), 11) + "  " +
           pad_to(when, 19) + "  " + pad_to(fit_width(sanitize(person), 12), 12) + "  " + sanitize(login);
  };
  const int room = std::max(1, rows - 5);
  const int total = static_cast<int>(live_.size() + sessions_.size());
  const int first = std::max(0, static_cast<int>(session_index_) - room + 1);
  for (int i = first; i < std::min(total, first + room); ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (k < live_.size()) {
      const SessionRow& s = live_[k];
      lines.push_back(row(k == session_index_, s.id, "LIVE for " + session_duration(s.duration),
                          s.owner.person, s.login + "@" + s.target + (s.pty ? "" : "  (" + s.kind + ")")));
    } else {
      const EndedSession& s = sessions_[k - live_.size()];
      lines.push_back(row(k == session_index_, s.session, table_time(s.ended), s.person, s.subject));
    }
  }
  return lines;
}

void Menu::move(int delta) {
  if (items_.empty()) return;
  const long last = static_cast<long>(items_.size()) - 1;
  index_ = static_cast<std::size_t>(std::clamp(static_cast<long>(index_) + delta, 0L, last));
  selected_id_ = items_[index_].request.id;
}

MenuAction Menu::on_list_key(const Decoded& key) {
  const char c = key.key == Key::text && key.text.size() == 1 ? key.text[0] : '\0';
  if (key.key == Key::up || c == 'k') move(-1);
  else if (key.key == Key::down || c == 'j') move(1);
  else if (key.key == Key::page_up) move(-page);
  else if (key.key == Key::page_down) move(page);
  else if (key.key == Key::home || c == 'g') move(-static_cast<int>(items_.size()));
  else if (key.key == Key::end || c == 'G') move(static_cast<int>(items_.size()));
  else if (key.key == Key::enter && !items_.empty()) screen_ = Screen::detail;
  else if (c >= '1' && c <= '9') {
    const std::size_t pick = static_cast<std::size_t>(c - '1');
    if (pick < items_.size()) {
      move(static_cast<int>(pick) - static_cast<int>(index_));
      screen_ = Screen::detail;
    }
  } else if (c == 's') {
    return MenuShowSessions{};
  } else if (c == 'w') {
    return MenuWebLogin{};
  } else if (c == 'q' || key.key == Key::interrupt || key.key == Key::end_of_file) {
    return MenuQuit{};
  }
  return MenuNone{};
}

MenuAction Menu::on_detail_key(const Decoded& key) {
  const char c = key.key == Key::text && key.text.size() == 1 ? key.text[0] : '\0';
  if (key.key == Key::up || c == 'k') move(-1);
  else if (key.key == Key::down || c == 'j') move(1);
  else if (c == 'a') start_review(Decision::approve);
  else if (c == 'd') start_review(Decision::deny);
  else if (key.key == Key::escape || key.key == Key::backspace || c == 'b' || c == 'q') {
    screen_ = Screen::list;
  } else if (key.key == Key::interrupt || key.key == Key::end_of_file) {
    return MenuQuit{};
  }
  return MenuNone{};
}

void Menu::start_review(Decision decision) {
  const MenuItem* item = selected();
  if (!item) return;
  if (item->own) {
    message_ = "You cannot review your own request.";
  } else if (!item->request.awaits_review()) {
    message_ = std::string("This request is ") + to_string(item->request.state) +
               "; it can no longer be reviewed.";
  } else if (!item->reviewable) {
    message_ = "You may not review this request.";
  } else {
    screen_ = Screen::reason;
    decision_ = decision;
    reason_.clear();
  }
}

MenuAction Menu::on_reason_key(const Decoded& key) {
  switch (key.key) {
    case Key::text:
      if (reason_.size() + key.text.size() <= max_reason_bytes) reason_ += key.text;
      else message_ = "A reason is at most " + std::to_string(max_reason_bytes) + " bytes.";
      break;
    case Key::backspace:
      // Remove one whole UTF-8 character: its continuation bytes, then its lead byte.
      while (!reason_.empty() && (static_cast<unsigned char>(reason_.back()) & 0xc0) == 0x80) {
        reason_.pop_back();
      }
      if (!reason_.empty()) reason_.pop_back();
      break;
    case Key::clear_line: reason_.clear(); break;
    case Key::enter: {
      if (reason_ends_session_) {
        const SessionRow* live = selected_live();
        if (live == nullptr) {
          screen_ = Screen::sessions;  // cannot happen: the prompt opens on a live one
          break;
        }
        if (reason_.empty()) {
          message_ = "Type a reason first: " + sanitize(live->owner.person) + " is shown it.";
          break;
        }
        MenuKill kill{live->id, std::move(reason_)};
        reason_.clear();
        reason_ends_session_ = false;
        screen_ = Screen::sessions;
        return kill;
      }
      MenuReview review{selected_id_, decision_, std::move(reason_)};
      reason_.clear();
      screen_ = Screen::detail;
      return review;
    }
    case Key::escape:
    case Key::interrupt:
      reason_.clear();
      if (reason_ends_session_) {
        reason_ends_session_ = false;
        screen_ = Screen::sessions;
        message_ = "Nothing was ended.";
        break;
      }
      screen_ = Screen::detail;
      message_ = "Review cancelled; nothing was sent.";
      break;
    default: break;
  }
  return MenuNone{};
}

std::vector<std::string> Menu::list_lines(int rows) const {
  std::vector<std::string> lines;
  const int total = static_cast<int>(items_.size());
  // Title, blank, column header above; message and help below.
  const int room = std::max(1, rows - 5);
  // The name is cut short so the count and position always fit.
  std::string title = "Approvals for " + fit_width(sanitize(person_), 24) + ": ";
  title += items_.empty() ? "nothing to review" : plural(total, "request");
  if (total > room) title += " (" + std::to_string(index_ + 1) + " of " + std::to_string(total) + ")";
  lines.push_back(title);
  lines.emplace_back();
  if (items_.empty()) {
    lines.emplace_back("  No requests are waiting for you. New ones appear here as they come.");
    return lines;
  }

  std::size_t user_width = 4, roles_width = 6, votes_width = 5;
  std::vector<std::string> users, roles, votes;
  for (const auto& item : items_) {
    users.push_back(fit_width(sanitize(item.request.user), 12));
    roles.push_back(fit_width(sanitize(item.progress.scope), 28));
    votes.push_back(std::to_string(item.progress.approvals) + "/" +
                    std::to_string(item.progress.approvals_needed));
    user_width = std::max(user_width, display_width(users.back()));
    roles_width = std::max(roles_width, display_width(roles.back()));
    votes_width = std::max(votes_width, display_width(votes.back()));
  }
  auto row = [&](std::string lead, std::string id, std::string user, std::string role,
                 std::string vote, std::string rest) {
    return lead + "  " + pad_to(id, 8) + "  " + pad_to(user, user_width) + "  " +
           pad_to(role, roles_width) + "  " + pad_to(vote, votes_width) + "  " + rest;
  };
  lines.push_back(row("    ", "ID", "User", "Access", "Votes", "Reason"));

  // Scroll just enough to keep the selection in view.
  const int first = std::max(0, static_cast<int>(index_) - room + 1);
  for (int i = first; i < std::min(total, first + room); ++i) {
    const MenuItem& item = items_[static_cast<std::size_t>(i)];
    std::string tags;
    if (item.own) tags += "[yours] ";
    if (item.waiting) tags += "[waiting] ";
    if (item.request.break_glass()) tags += "[BREAK-GLASS] ";
    if (!item.request.awaits_review()) {
      tags += std::string("[") + to_string(item.request.state) + "] ";
    } else if (!item.own && !item.reviewable) {
      tags += "[view only] ";
    }
    const std::string lead = std::string(static_cast<std::size_t>(i) == index_ ? "> " : "  ") +
                             (i < 9 ? std::to_string(i + 1) : " ") + " ";
    lines.push_back(row(lead, prefix_columns(sanitize(item.request.id), 8), users[i], roles[i],
                        votes[i], tags + sanitize(item.request.reason)));
  }
  return lines;
}

std::vector<std::string> Menu::detail_lines(const MenuItem& item, int cols) const {
  const AccessRequest& request = item.request;
  std::vector<std::string> lines;
  lines.push_back("Request " + sanitize(request.id) + (item.own ? "  (yours)" : ""));
  lines.push_back(labelled("User", sanitize(request.user) + (item.waiting ? "  (waiting now)" : "")));
  lines.push_back(labelled("Roles", join(request.roles, ", ")));
  lines.push_back(labelled("Access", sanitize(item.progress.scope)));
  const std::size_t reason_width = cols > static_cast<int>(label_width)
                                       ? static_cast<std::size_t>(cols) - label_width
                                       : 1;
  const auto reason = wrap(request.reason.empty() ? "(none given)" : sanitize(request.reason),
                           reason_width, 4);
  for (std::size_t k = 0; k < reason.size(); ++k) {
    lines.push_back(k == 0 ? labelled("Reason", reason[k]) : std::string(label_width, ' ') + reason[k]);
  }
  std::string state = to_string(request.state);
  if (request.state == RequestState::pending) state += "  expires " + table_time(request.expires);
  lines.push_back(labelled("State", state));
  lines.push_back(labelled("Created", table_time(request.created)));
  lines.push_back(labelled("Progress", std::to_string(item.progress.approvals) + " of " +
                                           plural(item.progress.approvals_needed, "approval")));
  if (request.state == RequestState::pending) {
    lines.push_back(labelled("Reviewers", item.progress.can_still_review.empty()
                                              ? "nobody can review it"
                                              : join(item.progress.can_still_review, ", ")));
  }
  if (request.grant_expires) lines.push_back(labelled("Granted", "until " + table_time(*request.grant_expires)));
  if (request.reviews.empty()) {
    lines.push_back(labelled("Reviews", "none yet"));
  } else {
    lines.push_back("Reviews:");
    for (const auto& review : request.reviews) lines.push_back(review_line(review));
  }
  return lines;
}

std::string Menu::render(int cols, int rows) const {
  cols = std::max(cols, 1);
  rows = std::max(rows, 1);
  std::vector<std::string> body, footer;
  const MenuItem* item = selected();

  auto prompt = [&](const std::string& label) {
    const std::size_t room = static_cast<std::size_t>(cols) > display_width(label)
                                 ? static_cast<std::size_t>(cols) - display_width(label)
                                 : 0;
    return label + fit_tail(sanitize(reason_), room);
  };
  if (screen_ == Screen::reason && reason_ends_session_) {
    const SessionRow* live = selected_live();
    body = session_lines(rows);
    footer = {message_, "Enter: end the session   Backspace/Ctrl-U: edit   Esc: cancel",
              prompt("Reason to end " + fit_width(sanitize(live ? live->owner.person : ""), 16) +
                     "'s session: ")};
  } else if (screen_ == Screen::sessions) {
    body = session_lines(rows);
    const char* keys = selected_live() ? "Up/Down: move   Enter/w: watch   k: end it   b/Esc: back   q: quit"
                       : live_.empty() && sessions_.empty() ? "b/Esc: back   q: quit"
                       : "Up/Down: move   Enter/p: play   e: export   b/Esc: back   q: quit";
    footer = {message_, keys};
  } else if (screen_ == Screen::list || !item) {
    body = list_lines(rows);
    footer = {message_, items_.empty() ? "s: sessions   w: web link   q: quit"
                                        : "Up/Down or j/k: move   Enter or 1-9: open   s: sessions   w: web link   q: quit"};
  } else {
    body = detail_lines(*item, cols);
    if (screen_ == Screen::detail) {
      const bool can_review =
          !item->own && item->reviewable && item->request.awaits_review();
      footer = {message_, std::string(can_review ? "a: approve   d: deny   " : "") +
                              "b/Esc: back   j/k: next/previous" +
                              (item->own ? "   (your own request)" : "")};
    } else {
      footer = {message_, "Enter: send   Backspace/Ctrl-U: edit   Esc: cancel",
                prompt(decision_ == Decision::approve ? "Reason to approve: " : "Reason to deny: ")};
    }
  }

  const std::size_t max_rows = static_cast<std::size_t>(rows);
  // The footer is what the person acts on: keep it, shorten the body.
  if (footer.size() >= max_rows) footer.erase(footer.begin(), footer.end() - static_cast<long>(max_rows));
  const std::size_t room = max_rows - footer.size();
  if (body.size() > room) {
    body.resize(room);
    if (room > 0) body.back() = "  …";
  }
  // Blank lines between body and footer keep the footer at the bottom of the screen.
  std::vector<std::string> lines = body;
  lines.resize(max_rows - footer.size());
  lines.insert(lines.end(), footer.begin(), footer.end());

  std::string out = "\x1b[H\x1b[2J";
  for (std::size_t k = 0; k < lines.size(); ++k) {
    if (k > 0) out += "\r\n";
    out += fit_width(lines[k], static_cast<std::size_t>(cols));
  }
  return out;
}

}  // namespace holdgate::approvals
