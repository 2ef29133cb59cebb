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

// Break-glass (issue 12, section 4): a request granted at once, without reviewers, that the
// roles' reviewers must ratify afterwards. `none` for every other request; `awaiting` until
// ratified, rejected by a reviewer, or unratified when its window passed.
enum class Ratification { none, awaiting, ratified, rejected, unratified };
const char* to_string(Ratification ratification);  // "", "AWAITING", "RATIFIED", ...
std::optional<Ratification> parse_ratification(std::string_view text);

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
  // Break-glass: ratification state, and the deadline for ratifying (set with `awaiting`).
  Ratification ratification = Ratification::none;
  std::optional<TimePoint> ratify_by;
  bool break_glass() const { return ratification != Ratification::none; }
  // Reviewers can still act on it: PENDING, or a break-glass request awaiting ratification.
  bool awaits_review() const {
    return state == RequestState::pending || ratification == Ratification::awaiting;
  }
  // Bumped by every stored change; update_request() compares it (compare-and-swap).
  long version = 0;
  // Approval hooks that have answered, by name, in the order they did: approve and deny (also
  // in `reviews`, as hook:NAME) and none, which includes a hook that failed or timed out.
  // `request: {hooks: required}` counts approvals only once every configured hook is here.
  std::vector<std::string> hooks_answered;
  // How the grant ends besides grant_expires (issue 12, section 3), fixed when the request is
  // made from its roles' `grant:`. until_session_end: the first session that logs in with it
  // ends it (grant_expires becomes that moment). uses: the logins it allows, uses_left those
  // not yet taken (Store::take_use); both nullopt when unlimited.
  bool until_session_end = false;
  std::optional<int> uses, uses_left;
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
  // The request's terms (AccessRequest::until_session_end, uses, uses_left), read with it.
  bool until_session_end = false;
  std::optional<int> uses = {}, uses_left = {};
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

// ---- The reviewer web page (issue 17). Only SHA-256 hashes of the secrets are stored (lowercase
// hex): a copy of the database does not sign anyone in.
// A one-time login link (`web login` over SSH), for `person` until `expires`.
struct WebLogin {
  std::string token_hash;
  std::string person;
  TimePoint expires;
};

// A signed-in browser: the session cookie's hash, whose it is, and until when.
struct WebSession {
  std::string id_hash;
  std::string person;
  TimePoint created;
  TimePoint expires;
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
  // Which holdgate process wrote it: the origin its store was opened with (a random id per
  // process), stamped by the store, ignored when appending. Bastions sharing one database skip
  // their own events in the change feed (cluster/change_feed.hpp). Not covered by the hash: it
  // says who wrote the row, not what happened, and older rows have none ('').
  std::string origin{};
};

}  // namespace holdgate::storage
