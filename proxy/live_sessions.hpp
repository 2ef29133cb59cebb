// The relayed session channels running now (issue 13, section 2), so reviewers can list,
// watch and end them. Owned by the Server (no global state); each channel's recording tap adds
// its entry when its shell, exec or subsystem starts and removes it when the channel ends.
// Everything runs on the one event-loop thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "approvals/session_list.hpp"

namespace holdgate::proxy {

// One watcher's copy of what the watched person sees, from when they joined. Bounded: a watcher
// that cannot keep up is dropped, never waited for, so watching cannot slow the session.
class LiveWatcher {
 public:
  LiveWatcher(std::string name, std::size_t limit, std::function<void()> wake)
      : name_(std::move(name)), limit_(limit), wake_(std::move(wake)) {}

  const std::string& name() const { return name_; }

  // The hot path: bytes the watched person was shown.
  void push(const char* data, std::size_t n) {
    if (dropped_ || ended_) return;
    if (pending_.size() + n > limit_) {
      dropped_ = true;
      pending_.clear();
      pending_.shrink_to_fit();
    } else {
      pending_.append(data, n);
    }
    if (wake_) wake_();
  }
  // What has come since the last take.
  std::string take() { return std::exchange(pending_, {}); }
  bool dropped() const { return dropped_; }
  // The watched session is over.
  bool ended() const { return ended_; }
  void end() {
    ended_ = true;
    if (wake_) wake_();
  }

 private:
  std::string name_;
  std::size_t limit_;
  std::function<void()> wake_;
  std::string pending_;
  bool dropped_ = false, ended_ = false;
};

// One live session channel: what `session list` shows of it, its watchers, and what reviewers
// asked of it (notices for the person's terminal, an end).
class LiveSession {
 public:
  LiveSession(approvals::SessionRow row, std::function<void()> wake)
      : row_(std::move(row)), since_(std::chrono::steady_clock::now()), wake_(std::move(wake)) {}

  // The row as of now (its duration so far).
  approvals::SessionRow row() const;

  void to_user(const char* data, std::size_t n) {
    if (row_.pty) remember(data, n);
    if (watchers_.empty()) return;
    for (auto& watcher : watchers_) {
      if (auto w = watcher.lock()) w->push(data, n);
    }
  }

  // A reviewer joins (first shown the last lines of the screen) and leaves; the watched person
  // is told both.
  void join(const std::shared_ptr<LiveWatcher>& watcher);
  void leave(const LiveWatcher& watcher);

  // A reviewer ends the session: `message` is its last line in the person's terminal.
  void kill(std::string message);

  // Read by the channel's bridge on its next step.
  std::deque<std::string> take_notices() { return std::exchange(notices_, {}); }
  const std::optional<std::string>& kill_message() const { return kill_message_; }

  // The channel is over: watchers are told.
  void end();

 private:
  void notice(std::string line);
  // The tail of a terminal's output, so a watcher who joins sees where things are.
  void remember(const char* data, std::size_t n);

  approvals::SessionRow row_;
  std::chrono::steady_clock::time_point since_;
  std::function<void()> wake_;  // the watched session's loop
  std::vector<std::weak_ptr<LiveWatcher>> watchers_;
  std::deque<std::string> notices_;
  std::optional<std::string> kill_message_;
  std::string recent_;
};

class LiveSessions {
 public:
  // `row.id` is the channel's session id (unique among live ones).
  std::shared_ptr<LiveSession> add(approvals::SessionRow row, std::function<void()> wake);
  // Removes `session`'s entry (not one that took its id meanwhile).
  void remove(const std::string& id, const LiveSession* session);
  std::shared_ptr<LiveSession> find(const std::string& id) const;
  std::vector<approvals::SessionRow> rows() const;

 private:
  std::map<std::string, std::weak_ptr<LiveSession>> sessions_;
};

}  // namespace holdgate::proxy
