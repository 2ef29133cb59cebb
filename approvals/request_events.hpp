// In-process notification of request changes: held sessions, `request watch` and the menu
// subscribe; the service publishes after each change is durably stored. Pushed, never polled.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <optional>

#include "storage/records.hpp"

namespace holdgate::approvals {

struct RequestChange {
  std::string event;  // request.created, request.reviewed, request.approved, request.denied,
                      // request.expired, request.cancelled, request.revoked, request.dropped,
                      // request.hook-answered (a hook's none: no review, state unchanged)
                      // request.used (a grant's use taken), request.ended (with its session)
  storage::AccessRequest request;  // as stored after the change
  // request.created only: where the requester connected from and the SHA256 fingerprint of the
  // key they authenticated with, when known (approval hooks receive them). Empty otherwise.
  std::string source{}, key_fingerprint{};
  // lock.created / lock.removed only (then `request` is empty): the lock.
  std::optional<storage::LockRecord> lock{};
  // Written by another bastion on the same database and read from its audit trail
  // (cluster/change_feed.hpp). Sessions, `request watch` and menus act on it as on their own;
  // webhooks and approval hooks ignore it, as the bastion that wrote it ran those already.
  bool remote = false;
};

class RequestEvents {
 public:
  using Listener = std::function<void(const RequestChange&)>;

  // Unsubscribes when destroyed.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&&) noexcept = default;
    Subscription& operator=(Subscription&&) noexcept = default;
    ~Subscription();

   private:
    friend class RequestEvents;
    struct Slot;
    std::shared_ptr<Slot> slot_;
  };

  [[nodiscard]] Subscription subscribe(Listener listener);
  void publish(const RequestChange& change);

 private:
  std::shared_ptr<std::list<std::weak_ptr<Subscription::Slot>>> slots_ =
      std::make_shared<std::list<std::weak_ptr<Subscription::Slot>>>();
};

}  // namespace holdgate::approvals
