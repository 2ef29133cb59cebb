#include "live_sessions.hpp"

#include <algorithm>

#include "policy/sanitize.hpp"

namespace holdgate::proxy {

approvals::SessionRow LiveSession::row() const {
  approvals::SessionRow row = row_;
  row.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - since_);
  return row;
}

namespace {

// About a screenful of recent output is kept for a watcher who joins; trimmed once it doubles,
// so the hot path copies each byte at most once more.
constexpr std::size_t recent_kept = 4096;

}  // namespace

void LiveSession::remember(const char* data, std::size_t n) {
  recent_.append(data, n);
  if (recent_.size() > 2 * recent_kept) recent_.erase(0, recent_.size() - recent_kept);
}

void LiveSession::join(const std::shared_ptr<LiveWatcher>& watcher) {
  std::erase_if(watchers_, [](const auto& w) { return w.expired(); });
  // From the start of a line: never half an escape sequence or a character.
  auto line = recent_.find('\n');
  if (line != std::string::npos && line + 1 < recent_.size()) {
    watcher->push(recent_.data() + line + 1, recent_.size() - line - 1);
  }
  watchers_.push_back(watcher);
  notice("holdgate: " + policy::sanitize(watcher->name()) + " is watching this session");
}

void LiveSession::leave(const LiveWatcher& watcher) {
  std::erase_if(watchers_, [&](const auto& w) {
    auto held = w.lock();
    return !held || held.get() == &watcher;
  });
  if (!kill_message_) notice("holdgate: " + policy::sanitize(watcher.name()) + " stopped watching this session");
}

void LiveSession::kill(std::string message) {
  kill_message_ = std::move(message);
  if (wake_) wake_();
}

void LiveSession::notice(std::string line) {
  notices_.push_back(std::move(line));
  if (wake_) wake_();
}

void LiveSession::end() {
  for (auto& watcher : watchers_) {
    if (auto w = watcher.lock()) w->end();
  }
  watchers_.clear();
}

std::shared_ptr<LiveSession> LiveSessions::add(approvals::SessionRow row, std::function<void()> wake) {
  std::erase_if(sessions_, [](const auto& entry) { return entry.second.expired(); });
  std::string id = row.id;
  auto session = std::make_shared<LiveSession>(std::move(row), std::move(wake));
  sessions_[id] = session;
  return session;
}

void LiveSessions::remove(const std::string& id, const LiveSession* session) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  auto held = it->second.lock();
  if (!held || held.get() == session) sessions_.erase(it);
}

std::shared_ptr<LiveSession> LiveSessions::find(const std::string& id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.lock();
}

std::vector<approvals::SessionRow> LiveSessions::rows() const {
  std::vector<approvals::SessionRow> rows;
  for (const auto& [id, entry] : sessions_) {
    if (auto session = entry.lock()) rows.push_back(session->row());
  }
  return rows;
}

}  // namespace holdgate::proxy
