// At most `limit` jobs at a time; the rest wait their turn in order and none is dropped.
// Approval hook programs are started through one of these (limits.max_hook_processes), so a
// flood of requests cannot fork a process per hook per request all at once.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

namespace holdgate::approvals {

template <class Job>
class WaitingLine {
 public:
  explicit WaitingLine(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

  // `job` is the one to start now (counted as running), or nullopt when it has to wait.
  std::optional<Job> arrive(Job job) {
    if (running_ < limit_) {
      ++running_;
      return job;
    }
    waiting_.push_back(std::move(job));
    return std::nullopt;
  }

  // A running job ended: the next one to start (counted as running in its place), if any.
  std::optional<Job> finished() {
    if (waiting_.empty()) {
      if (running_ > 0) --running_;
      return std::nullopt;
    }
    std::optional<Job> next = std::move(waiting_.front());
    waiting_.pop_front();
    return next;
  }

  std::size_t running() const { return running_; }
  std::size_t waiting() const { return waiting_.size(); }
  std::size_t limit() const { return limit_; }

 private:
  std::size_t limit_;
  std::size_t running_ = 0;
  std::deque<Job> waiting_;
};

}  // namespace holdgate::approvals
