// A FIFO with a bound that never refuses a newcomer: when full, an entry makes room and is
// handed back so the caller can say what was lost. Webhook deliveries wait in one of these; a
// receiver that is down for long must not make holdgate grow without end, and the newest news
// is the most useful. Each entry has an owner (the requester a delivery is about), and the
// entry that makes room is the oldest of whoever holds the most, counting the newcomer: one
// person's flood of requests pushes out their own news, never someone else's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace holdgate::approvals {

template <class T>
class FairDropQueue {
 public:
  explicit FairDropQueue(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

  // Appends `item` for `owner`; returns the entry dropped to make room, if any.
  std::optional<T> push(std::string owner, T item) {
    ++counts_[owner];
    entries_.push_back({std::move(owner), std::move(item)});
    if (entries_.size() <= limit_) return std::nullopt;
    std::size_t most = 0;
    for (const auto& [name, count] : counts_) most = std::max(most, count);
    // The oldest entry of an owner holding `most`: with a tie, whoever has waited longest.
    auto victim = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& e) { return counts_[e.owner] == most; });
    std::optional<T> dropped = std::move(victim->item);
    forget(victim->owner);
    entries_.erase(victim);
    return dropped;
  }

  // The oldest entry, removed; nullopt when empty.
  std::optional<T> pop() {
    if (entries_.empty()) return std::nullopt;
    std::optional<T> item = std::move(entries_.front().item);
    forget(entries_.front().owner);
    entries_.pop_front();
    return item;
  }

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  std::size_t limit() const { return limit_; }
  void clear() {
    entries_.clear();
    counts_.clear();
  }

 private:
  struct Entry {
    std::string owner;
    T item;
  };

  void forget(const std::string& owner) {
    auto it = counts_.find(owner);
    if (--it->second == 0) counts_.erase(it);
  }

  std::size_t limit_;
  std::deque<Entry> entries_;
  std::map<std::string, std::size_t> counts_;  // entries held per owner
};

}  // namespace holdgate::approvals
