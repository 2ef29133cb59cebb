// The records holdgate keeps: access requests with their reviews, grants, and the audit trail.
// Plain values; the rules that change them live in approvals/, the code that stores them here.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace holdgate::storage {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// REVOKED (ended by a reviewer or an admin) and DROPPED (given up by the requester) are reached
// only from APPROVED: the grant ended before its time, and its grants end with it.
enum class RequestState { pending, approved, denied, expired, cancelled, revoked, dropped };

// "PENDING", "APPROVED", ... as shown to people and in JSON.
const char* to_string(RequestState state);
std::optional<RequestState> parse_request_state(std::string_view text);

enum class Decision { approve, deny };
const char* to_string(Decision decision);  // "APPROVE" / "DENY"

struct Review {
  std::string reviewer;  // a user name, or "hook:NAME" for program hooks
  Decision decision = Decision::approve;
  std::string reason;
  TimePoint at;
};

struct AccessRequest {
  std::string id;                  // UUID v4, lowercase
  std::string user;                // the requester
  std::vector<std::string> roles;  // requested roles
  std::string reason;
  std::vector<std::string> suggested_reviewers;
  RequestState state = RequestState::pending;
  TimePoint created;
  TimePoint expires;                               // a PENDING request expires then
  std::optional<std::chrono::seconds> max_duration;  // asked for with --max-duration
  std::optional<TimePoint> resolved;               // when it left PENDING
  std::optional<TimePoint> grant_expires;          // set when APPROVED
  std::string resolution_reason;                   // e.g. the deciding reviewer's reason
  std::vector<Review> reviews;                     // in the order they were made
  // Context of an inline request (empty when made on the approvals channel).
  std::string login, target, source;
  // Bumped by every stored change; update_request() compares it (compare-and-swap).
  long version = 0;
};

// A role held by a person for a limited time, from an approved request. A scoped grant (from a
// request for one login on one target) holds the role for exactly `login` on `target`; both are
// empty for a role-wide grant.
struct GrantRecord {
  std::string user;
  std::string role;
  std::string request_id;
  TimePoint expires;
  std::string login, target;
  bool scoped() const { return !target.empty(); }
};

// Whether approving `request` grants only its login@target rather than whole roles.
inline bool is_scoped(const AccessRequest& request) {
  return !request.login.empty() && !request.target.empty();
}

// ---- Locks (issue 12, section 2): an incident lock on one person, one target or one role,
// made by an admin. Exactly one of user, target, role is set. It holds from `created` until
// `expires` (none: until removed) or until `removed`.
struct LockRecord {
  std::string id;  // UUID v4, lowercase
  std::string user, target, role;
  std::string reason;
  std::string created_by;
  TimePoint created;
  std::optional<TimePoint> expires;
  std::optional<TimePoint> removed;
  std::string removed_by;
};

struct AuditEvent {
  TimePoint at;
  std::string kind;     // request.created, request.reviewed, request.approved, request.denied,
                        // request.expired, request.cancelled, login.allowed, login.denied, ...
  std::string actor;    // who did it (user name, "hook:NAME", "holdgate")
  std::string source;   // the actor's address, when known
  std::string subject;  // what it is about (request id, "root@db-1")
  std::string details;  // free text or JSON
  long id = 0;          // assigned by the store; increasing
  // The hash chain (storage/audit_chain.hpp), computed by the store when it appends: the
  // previous event's hash and this one's, 64 hex digits each. Ignored when appending.
  std::string prev_hash{};
  std::string hash{};
};

}  // namespace holdgate::storage
