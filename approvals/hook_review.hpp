// What an approval hook's verdict does to a request, as a pure function like the other rules.
// A hook reviews as "hook:NAME", which may_review entitles to every role.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "approvals/hook_protocol.hpp"
#include "approvals/request_rules.hpp"

namespace holdgate::approvals {

// "hook:NAME", the reviewer name a hook's verdict is stored under.
std::string hook_reviewer(std::string_view hook_name);

// apply_review() as reviewer hook:NAME, except that a deny ends the request at once whatever
// the roles' deny thresholds: a hook encodes a rule ("contractors cite a ticket"), and a rule
// that fails is not one vote among several. resolution_reason is the hook's reason, or
// "denied by hook:NAME" when it gave none. An approve is one approval, like a person's.
std::variant<AccessRequest, RuleError> apply_hook_review(const config::Config& config,
                                                         const AccessRequest& request,
                                                         std::string_view hook_name,
                                                         Decision decision, std::string reason,
                                                         TimePoint now);

// ---- Hooks that must answer first (issue 12, section 5)

// How many of the configured approval hooks have answered `request` (any verdict, or failed).
int hooks_answered(const config::Config& config, const AccessRequest& request);

// True when `request` is PENDING, a requested role's request policy says `hooks: required`,
// hooks are configured and not all of them have answered: approvals are stored but do not decide yet.
bool approvals_held(const config::Config& config, const AccessRequest& request);

// True when there is nothing more to wait for from the hooks: the request has left PENDING, or
// every configured hook has answered. A requester's `request create` and inline prompt wait for
// this (at most hook_wait_limit) so that a hook's verdict reaches them at once.
bool hooks_settled(const config::Config& config, const AccessRequest& request);

// The longest a hook may take (the largest configured timeout), plus a margin for the process
// to be started and its answer stored; zero when no hooks are configured.
std::chrono::milliseconds hook_wait_limit(const config::Config& config);

// Records hook NAME's answer (version + 1): its name joins hooks_answered; approve and deny
// then go through apply_hook_review; none (also a failed or timed-out hook) changes nothing
// else, except that the last answer of a held request lets its approvals count, so the request
// may become APPROVED then ("approved by alice"). Refuses: not pending, and a hook that has
// already answered.
std::variant<AccessRequest, RuleError> apply_hook_answer(const config::Config& config,
                                                         const AccessRequest& request,
                                                         std::string_view hook_name,
                                                         HookDecision decision,
                                                         std::string reason, TimePoint now);

// "denied by hook:jira: provide an active JIRA ticket" when a hook's deny ended `request`
// (the hook's own reason after its name; "denied by hook:jira" when it gave none); empty
// otherwise. Not sanitised: the caller does that where it reaches a terminal.
std::string hook_denial(const AccessRequest& request);

// The one sentence a reviewer whose approval is held is told, e.g. "approval recorded; it
// counts once the approval hooks have answered (1 of 2 so far)".
std::string held_approval_sentence(const Progress& progress);

}  // namespace holdgate::approvals
