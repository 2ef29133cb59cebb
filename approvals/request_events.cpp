#include "request_events.hpp"

namespace holdgate::approvals {

struct RequestEvents::Subscription::Slot {
  Listener listener;
};

RequestEvents::Subscription::~Subscription() = default;

RequestEvents::Subscription RequestEvents::subscribe(Listener listener) {
  Subscription subscription;
  subscription.slot_ = std::make_shared<Subscription::Slot>(Subscription::Slot{std::move(listener)});
  slots_->remove_if([](const auto& weak) { return weak.expired(); });
  slots_->push_back(subscription.slot_);
  return subscription;
}

void RequestEvents::publish(const RequestChange& change) {
  // A listener may subscribe or unsubscribe while being called: std::list iterators survive
  // insertions, nothing is erased here (subscribe() prunes), and a slot locked here stays alive
  // until its call returns.
  auto slots = slots_;
  for (const auto& weak : *slots) {
    if (auto slot = weak.lock()) slot->listener(change);
  }
}

}  // namespace holdgate::approvals
