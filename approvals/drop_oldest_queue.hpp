// A FIFO with a bound that never refuses a newcomer: when full, the oldest entry makes room and
// is handed back so the caller can say what was lost. Webhook deliveries wait in one of these;
// a receiver that is down for long must not make holdgate grow without end, and the newest news
// is the most useful.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

namespace holdgate::approvals {

template <class T>
class DropOldestQueue {
 public:
  explicit DropOldestQueue(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

  // Appends `item`; returns the entry dropped to make room, if any.
  std::optional<T> push(T item) {
    std::optional<T> dropped;
    if (items_.size() >= limit_) {
      dropped = std::move(items_.front());
      items_.pop_front();
    }
    items_.push_back(std::move(item));
    return dropped;
  }

  // The oldest entry, removed; nullopt when empty.
  std::optional<T> pop() {
    if (items_.empty()) return std::nullopt;
    std::optional<T> item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::size_t limit() const { return limit_; }
  void clear() { items_.clear(); }

 private:
  std::size_t limit_;
  std::deque<T> items_;
};

}  // namespace holdgate::approvals
