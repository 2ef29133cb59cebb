// RequestService::review_as_hook: stores an approval hook's answer through the same
// compare-and-swap loop, audit trail and events as a person's review.
#include "approvals/hook_review.hpp"
#include "approvals/service.hpp"

namespace holdgate::approvals {

Outcome<AccessRequest> RequestService::review_as_hook(std::string_view hook, std::string_view id,
                                                      HookDecision decision, std::string reason) {
  // The audit trail names the actor from Caller::user; a hook is nobody in config.users, so it
  // gets a stand-in that lives for this call only.
  config::User actor;
  actor.name = hook_reviewer(hook);
  const Caller caller{&actor, ""};
  ChangeFn change = [&](const AccessRequest& stored, TimePoint now) -> Outcome<AccessRequest> {
    auto next = apply_hook_answer(*config_, stored, hook, decision, reason, now);
    if (auto* error = std::get_if<RuleError>(&next)) {
      switch (error->kind) {
        case RuleError::Kind::not_allowed:
          return ServiceError{ServiceError::Kind::not_allowed, error->message};
        case RuleError::Kind::not_pending:
          return ServiceError{ServiceError::Kind::not_pending, error->message};
        case RuleError::Kind::invalid: break;
      }
      return ServiceError{ServiceError::Kind::invalid, error->message};
    }
    return std::get<AccessRequest>(std::move(next));
  };
  return transition(caller, id, change);
}

}  // namespace holdgate::approvals
