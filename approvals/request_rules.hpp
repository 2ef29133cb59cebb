// The access-request life cycle as pure functions over values: who may request what, who may
// review, how reviews add up to a decision, when a request expires. No I/O, no clock: `now` is
// passed in. Once a request has left PENDING, every function here refuses to change it.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "storage/records.hpp"

namespace holdgate::approvals {

using storage::AccessRequest;
using storage::Decision;
using storage::RequestState;
using storage::TimePoint;

// One sentence for the person, e.g. "you cannot review your own request".
struct RuleError {
  enum class Kind { invalid, not_allowed, not_pending };
  Kind kind = Kind::invalid;
  std::string message;
};

// What a new request asks for (from `request create` or an inline escalation).
struct NewRequest {
  std::vector<std::string> roles;
  std::vector<std::string> reviewers;  // suggested; empty = the policy's suggestion
  std::optional<std::chrono::seconds> max_duration;
  std::string reason;
  std::string login, target, source;  // inline context, optional
  // Break-glass (issue 12, section 4): access at once, for login@target only; `confirm` must
  // be exactly the target's name.
  bool break_glass = false;
  std::string confirm = {};
};

// Longest accepted reason, in bytes.
inline constexpr std::size_t max_reason_bytes = 1024;

// Thresholds that apply to one requested role, merged over every requester role that allows
// requesting it (the strictest wins: most approvals, fewest denials, shortest ttl).
struct RoleThreshold {
  std::string role;
  int approve = 1;
  int deny = 1;
  std::chrono::seconds ttl{3600};
  bool reason_required = true;
  bool resource_only = false;  // `request: {scope: resource}`: only login@target, not the role
  bool hooks_required = false;  // `request: {hooks: required}`: approvals wait for every hook
  // `request: {break_glass: true}`: requested only as break-glass (access at once, ratified
  // afterwards). Offered both ways by two roles, the ordinary review wins.
  bool break_glass = false;
  std::chrono::seconds break_glass_duration{1800};
  std::chrono::seconds ratify_within{86400};
  std::vector<std::string> suggested_reviewers;
};

// Roles `requester` may request, with their thresholds, in the order their roles first offer
// them. Undefined role names (held or offered) are skipped. Empty when they may request nothing.
std::vector<RoleThreshold> requestable_roles(const config::Config& config,
                                             const config::User& requester);

// Requestable roles that would allow `login` on `target` (inline escalation picks from these).
std::vector<RoleThreshold> roles_granting(const config::Config& config,
                                          const config::User& requester, std::string_view login,
                                          const config::Target& target);

// Validates and builds a PENDING request (version 1): roles requestable, reason present when
// required and at most max_reason_bytes, max_duration positive and not above any role's
// max_duration, reviewers known users. `expires` = now + the shortest ttl.
// Duplicate roles are merged (first order kept). The reason is stored as typed; a blank one
// counts as missing, one with a NUL byte is refused. The requester may not suggest themselves;
// the policy's suggestion (used when none are given) leaves them out.
// A scoped request (login and target set) asks for that login on that target only: the target
// must exist, each role must allow the login there, and with no roles named it takes the
// requestable roles that would allow it. A role-wide request (no target) is refused for a role
// whose request policy says `scope: resource`.
std::variant<AccessRequest, RuleError> plan_request(const config::Config& config,
                                                    const config::User& requester,
                                                    const NewRequest& request, TimePoint now,
                                                    std::string id);

// True when `reviewer` holds a role whose review.roles covers at least one requested role.
// "hook:NAME" reviewers (program hooks) may review every role. Never the requester.
bool may_review(const config::Config& config, std::string_view reviewer,
                const AccessRequest& request);

// Applies one review and returns the request as it must be stored next (version + 1): the
// review appended; APPROVED when every role has its approvals from reviewers entitled to that
// role (grant_expires = now + the shortest max_duration, or the requested one if shorter);
// DENIED when any role reaches its deny count (resolution_reason = the reviewer's reason).
// With `request: {hooks: required}` (approvals_held(), hook_review.hpp) an approval is stored
// but the request does not become APPROVED until the last hook answers (apply_hook_answer).
// Refuses: not pending, expired by now, own request, not entitled, already reviewed,
// reason over max_reason_bytes (or with a NUL), and approvals while a requested role is one the
// requester may no longer request (the config changed; such a request can only be denied).
// Entitlement and thresholds come from `config` as it is now. With a blank reason the
// resolution_reason is "approved by alice, ivan" / "denied by ivan" (reviewers that counted).
std::variant<AccessRequest, RuleError> apply_review(const config::Config& config,
                                                    const AccessRequest& request,
                                                    std::string_view reviewer, Decision decision,
                                                    std::string reason, TimePoint now);

// The request EXPIRED (version + 1) when it is pending and now >= expires; nullopt otherwise.
// resolved = now, resolution_reason = "expired after 1h without a decision" (expires - created).
std::optional<AccessRequest> expire_if_due(const AccessRequest& request, TimePoint now);

// CANCELLED (version + 1); only the requester may cancel (checked first), only while pending
// and before `expires`. resolution_reason = "cancelled by bob".
std::variant<AccessRequest, RuleError> cancel_request(const AccessRequest& request,
                                                      std::string_view by, TimePoint now);

// How far a request has come, for progress lines and menus.
struct RoleProgress {
  std::string role;
  int approvals = 0, approvals_needed = 1;
  int denials = 0, denials_needed = 1;
};
struct Progress {
  std::vector<RoleProgress> roles;
  // Summed over roles: "1/2". Each role adds at most its own need, so a surplus on one role
  // does not hide another role's missing approvals.
  int approvals = 0, approvals_needed = 0;
  // Configured users entitled to review a requested role, not the requester, not yet reviewed,
  // in config order. Empty once the request has left PENDING.
  std::vector<std::string> can_still_review;
  // What the request asks for, scope_words(): "root@db-1 (via dba)" / "role dba (root on
  // kind=db)". Carried here so every view that shows progress shows the same words.
  std::string scope;
  // Approval hooks: how many of the configured ones have answered, and whether approvals are
  // held until the rest do (`request: {hooks: required}`).
  int hooks_answered = 0, hooks_configured = 0;
  bool approvals_held = false;
};
Progress progress(const config::Config& config, const AccessRequest& request);

// ---- Taking access back (issue 12, section 2) ----
// An approved request whose grant has not ended can be taken back: DROPPED by its requester,
// REVOKED (with a reason) by someone who may review it or by an admin. Either way the result is
// version + 1 with grant_expires = now (the store ends the grants then), `resolved` kept (it is
// when the request left PENDING), and resolution_reason "dropped by bob" /
// "revoked by alice: incident over" (what the person's terminal is told, after "was ").

// True when one of `user`'s configured roles has `admin: true`. Unknown users are not admins.
bool is_admin(const config::Config& config, std::string_view user);

// Reviewers of one of its roles (may_review) and admins; never the requester unless an admin.
bool may_revoke(const config::Config& config, std::string_view by, const AccessRequest& request);

// Refuses: someone else (checked first), not APPROVED, grant already over by `now`.
std::variant<AccessRequest, RuleError> drop_request(const AccessRequest& request,
                                                    std::string_view by, TimePoint now);

// Refuses: not entitled (checked first), not APPROVED, grant already over, reason blank, over
// max_reason_bytes or with a NUL.
std::variant<AccessRequest, RuleError> revoke_request(const config::Config& config,
                                                      const AccessRequest& request,
                                                      std::string_view by, std::string reason,
                                                      TimePoint now);

// ---- Break-glass (issue 12, section 4) ----
// plan_request with NewRequest::break_glass: every role must be offered as break-glass (none
// named: those break-glass roles that allow login on target), login and target are required,
// a non-blank reason always, and `confirm` must be the target's exact name. The request is
// APPROVED at once (resolved = now, grant_expires = now + the shortest break_glass_duration, or
// the asked max_duration if shorter) and AWAITING ratification until now + the shortest
// ratify_within. An ordinary request for a break-glass-only role is refused.
//
// Reviews of an AWAITING request (apply_review) ratify or reject it: the usual approvals of
// every role RATIFY it (the grant goes on); one denial, which needs a reason, REJECTS it. Refused
// once the window has passed. A rejected or unratified request whose grant still holds becomes
// REVOKED with grant_expires = now; resolution_reason says why ("rejected by alice: ...",
// "not ratified within 24h"), after "was " in the person's terminal.

// The request UNRATIFIED (version + 1) when it is AWAITING and now >= ratify_by; else nullopt.
std::optional<AccessRequest> lapse_if_unratified(const AccessRequest& request, TimePoint now);

// The lock that follows a REJECTED or UNRATIFIED request: on its requester, by "holdgate",
// until removed, the reason saying which request and why. nullopt for any other request.
std::optional<storage::LockRecord> break_glass_lock(const AccessRequest& request, TimePoint now,
                                                    std::string id);

}  // namespace holdgate::approvals
