#include "service.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "approvals/grant_terms.hpp"
#include "approvals/random.hpp"
#include "approvals/request_limits.hpp"

namespace holdgate::approvals {
namespace {

// A compare-and-swap write loses only to another write of the same request; a handful of
// retries settles any real contention.
constexpr int max_attempts = 8;

ServiceError from_rule(const RuleError& error) {
  switch (error.kind) {
    case RuleError::Kind::not_allowed: return {ServiceError::Kind::not_allowed, error.message};
    case RuleError::Kind::not_pending: return {ServiceError::Kind::not_pending, error.message};
    case RuleError::Kind::invalid: break;
  }
  return {ServiceError::Kind::invalid, error.message};
}

ServiceError not_found(std::string_view id) {
  return {ServiceError::Kind::not_found, "no request with ID '" + std::string(id) + "'"};
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

// "request.approved" for APPROVED, and so on: the event name of reaching a state.
std::string state_event(storage::RequestState state) {
  std::string name = "request.";
  for (char c : std::string(storage::to_string(state))) name += static_cast<char>(std::tolower(c));
  return name;
}

// "request.ratified" / "request.rejected" / "request.unratified" when a break-glass request's
// ratification changed; it says more than the state it may reach on the way (REVOKED).
std::optional<std::string> ratification_event(const AccessRequest& before,
                                              const AccessRequest& after) {
  if (after.ratification == before.ratification) return std::nullopt;
  std::string name = "request.";
  for (char c : std::string(storage::to_string(after.ratification))) {
    name += static_cast<char>(std::tolower(c));
  }
  return name;
}

// The event a stored transition is published as.
std::string change_event(const AccessRequest& before, const AccessRequest& after) {
  if (auto ratified = ratification_event(before, after)) return *ratified;
  if (after.state != storage::RequestState::pending) return state_event(after.state);
  // A hook's `none` adds an answer but no review.
  return after.reviews.size() > before.reviews.size() ? "request.reviewed"
                                                      : "request.hook-answered";
}

// The audit events one stored transition produces.
std::vector<storage::AuditEvent> transition_events(const AccessRequest& before,
                                                   const AccessRequest& after, const Caller& caller,
                                                   TimePoint now) {
  std::vector<storage::AuditEvent> events;
  std::string actor = caller.user ? caller.user->name : "holdgate";
  if (after.reviews.size() > before.reviews.size()) {
    const auto& review = after.reviews.back();
    events.push_back({now, "request.reviewed", review.reviewer, caller.source, after.id,
                      std::string(storage::to_string(review.decision)) + ": " + review.reason});
  }
  if (after.reviews.size() == before.reviews.size() &&
      after.hooks_answered.size() > before.hooks_answered.size()) {
    // A hook's `none` (or a failed hook): no review, but an answer `hooks: required` waits for.
    events.push_back({now, "request.hook-answered", actor, caller.source, after.id, "NONE"});
  }
  if (auto ratified = ratification_event(before, after)) {
    // "BREAK-GLASS RATIFIED", "BREAK-GLASS UNRATIFIED: not ratified within 24h".
    std::string details = std::string("BREAK-GLASS ") + storage::to_string(after.ratification);
    if (after.ratification != storage::Ratification::ratified) {
      details += ": " + after.resolution_reason;
    }
    events.push_back({now, *ratified, actor, caller.source, after.id, details});
  } else if (after.state != before.state) {
    events.push_back({now, state_event(after.state), actor, caller.source, after.id,
                      after.resolution_reason});
  }
  return events;
}

}  // namespace

RequestService::RequestService(const config::Config& config, storage::Store& store, Now now,
                               std::function<std::string()> new_id)
    : config_(&config), store_(store), now_(std::move(now)), new_id_(std::move(new_id)) {}

Outcome<AccessRequest> RequestService::create(const Caller& caller, const NewRequest& request) {
  if (caller.user == nullptr) return ServiceError{ServiceError::Kind::not_allowed, "unknown person"};
  // Checked before the insert, not in its transaction: holdgate's one event loop makes this
  // exact, and bastions sharing one database may overshoot by those creating at the same moment.
  if (auto refused = over_limit(caller)) return *refused;
  auto now = now_();
  auto planned = plan_request(*config_, *caller.user, request, now, new_id_());
  if (auto* error = std::get_if<RuleError>(&planned)) return from_rule(*error);
  auto& created = std::get<AccessRequest>(planned);
  // Break-glass skips the reviewers, not the locks: an incident lock still holds.
  if (created.break_glass()) {
    auto locks = store_.active_locks(now);
    if (const auto* lock = lock_blocking_approval(locks, created)) {
      return ServiceError{ServiceError::Kind::not_allowed,
                          "break-glass access is not possible now: " +
                              policy::lock_sentence(policy_lock(*lock))};
    }
  }
  const std::string kind = created.break_glass() ? "request.break_glass" : "request.created";
  storage::AuditEvent event{now, kind, caller.user->name, caller.source, created.id,
                            std::string(created.break_glass() ? "BREAK-GLASS " : "") +
                                "roles=" + join(created.roles) + " reason=" + created.reason};
  auto stored = store_.create_request(created, event);
  // The database failed (a fresh random id does not collide): as a failed read, so whoever runs
  // the service says so in one sentence (the proxy: "cannot reach its database; try again").
  if (auto* error = std::get_if<storage::StoreError>(&stored)) throw storage::StoreFailure(error->message);
  events_.publish({kind, created, caller.source, caller.key_fingerprint});
  return created;
}

std::optional<ServiceError> RequestService::over_limit(const Caller& caller) {
  if (caller.user == nullptr) return std::nullopt;
  auto now = now_();
  auto activity = store_.requester_activity(caller.user->name, now,
                                            rate_window_start(config_->limits, now));
  auto refused = creation_refusal(config_->limits, activity, now);
  if (!refused) return std::nullopt;
  return ServiceError{ServiceError::Kind::over_limit, *refused};
}

// Reads, changes and stores one request with compare-and-swap, retrying when another writer
// got there first; `change` sees the freshest stored value every time.
template <class Change>
Outcome<AccessRequest> RequestService::transition(const Caller& caller, std::string_view id,
                                                  Change change) {
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    auto stored = store_.get_request(id);
    if (!stored) return not_found(id);
    auto now = now_();
    if (auto expired = expire_if_due(*stored, now)) {
      if (store_.update_request(*expired, transition_events(*stored, *expired, {}, now)) ==
          storage::WriteResult::written) {
        events_.publish({"request.expired", *expired});
      }
      continue;  // decide again on what is stored now
    }
    Outcome<AccessRequest> next = change(*stored, now);
    if (std::holds_alternative<ServiceError>(next)) return next;
    auto& updated = std::get<AccessRequest>(next);
    switch (store_.update_request(updated, transition_events(*stored, updated, caller, now))) {
      case storage::WriteResult::written: {
        events_.publish({change_event(*stored, updated), updated});
        lock_after_break_glass(updated);
        return updated;
      }
      case storage::WriteResult::not_found:
        return not_found(id);
      case storage::WriteResult::conflict:
        break;
    }
  }
  return ServiceError{ServiceError::Kind::storage, "request " + std::string(id) +
                                                       " is being changed by others; try again"};
}

// service_hooks.cpp stores hook verdicts through the same compare-and-swap loop.
template Outcome<AccessRequest> RequestService::transition(const Caller&, std::string_view,
                                                           RequestService::ChangeFn);

Outcome<AccessRequest> RequestService::review(const Caller& caller, std::string_view id,
                                              Decision decision, std::string reason) {
  if (caller.user == nullptr) return ServiceError{ServiceError::Kind::not_allowed, "unknown person"};
  return transition(caller, id, [&](const AccessRequest& stored, TimePoint now) -> Outcome<AccessRequest> {
    // A lock blocks the approvals it covers (denials still end the request).
    if (decision == Decision::approve && stored.state == storage::RequestState::pending) {
      auto locks = store_.active_locks(now);
      if (const auto* lock = lock_blocking_approval(locks, stored)) {
        return ServiceError{ServiceError::Kind::not_allowed,
                            "request " + stored.id + " cannot be approved now: " +
                                policy::lock_sentence(policy_lock(*lock))};
      }
    }
    auto next = apply_review(*config_, stored, caller.user->name, decision, reason, now);
    if (auto* error = std::get_if<RuleError>(&next)) return from_rule(*error);
    return std::get<AccessRequest>(std::move(next));
  });
}

Outcome<AccessRequest> RequestService::cancel(const Caller& caller, std::string_view id) {
  if (caller.user == nullptr) return ServiceError{ServiceError::Kind::not_allowed, "unknown person"};
  return transition(caller, id, [&](const AccessRequest& stored, TimePoint now) -> Outcome<AccessRequest> {
    auto next = cancel_request(stored, caller.user->name, now);
    if (auto* error = std::get_if<RuleError>(&next)) return from_rule(*error);
    return std::get<AccessRequest>(std::move(next));
  });
}

Outcome<AccessRequest> RequestService::show(std::string_view id) {
  expire_due();
  auto stored = store_.get_request(id);
  if (!stored) return not_found(id);
  return *stored;
}

std::vector<AccessRequest> RequestService::list(const Caller& caller, ListScope scope) {
  expire_due();
  std::vector<AccessRequest> result;
  std::string me = caller.user ? caller.user->name : "";
  for (auto& request : store_.list_requests({})) {
    bool mine = request.user == me;
    bool reviewable = request.awaits_review() && may_review(*config_, me, request);
    bool keep = scope == ListScope::all || (scope == ListScope::mine && mine) ||
                (scope == ListScope::reviewable && reviewable) ||
                (scope == ListScope::mine_and_reviewable && (mine || reviewable));
    if (keep) result.push_back(std::move(request));
  }
  return result;
}

std::vector<AccessRequest> RequestService::pending_for(const Caller& caller) {
  storage::RequestFilter filter;
  filter.state = storage::RequestState::pending;
  auto pending = store_.list_requests(filter);
  expire_due_in(pending);
  // Break-glass requests awaiting ratification wait on their reviewers just as much.
  storage::RequestFilter awaiting;
  awaiting.awaiting_ratification = true;
  for (auto& request : store_.list_requests(awaiting)) pending.push_back(std::move(request));
  std::string me = caller.user ? caller.user->name : "";
  std::erase_if(pending, [&](const AccessRequest& request) {
    return request.user != me && !may_review(*config_, me, request);
  });
  std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    return a.created > b.created;  // newest first, as the store lists them
  });
  return pending;
}

std::optional<storage::AuditEvent> RequestService::latest_audit() { return store_.latest_audit(); }

std::vector<storage::AuditEvent> RequestService::history(TimePoint since) {
  expire_due();
  return store_.audit_since(since);
}

std::vector<storage::AuditEvent> RequestService::history_of(const std::vector<std::string>& kinds,
                                                           TimePoint since) {
  return store_.audit_of_kinds(kinds, since);
}

std::vector<storage::GrantRecord> RequestService::active_grants(std::string_view user) {
  return store_.active_grants(user, now_());
}

std::optional<AccessRequest> RequestService::find_pending(std::string_view user,
                                                          const std::vector<std::string>& roles,
                                                          std::string_view login,
                                                          std::string_view target) {
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  auto wanted = sorted(roles);
  auto now = now_();
  storage::RequestFilter filter;
  filter.user = std::string(user);
  filter.state = storage::RequestState::pending;
  for (auto& request : store_.list_requests(filter)) {
    if (request.expires > now && sorted(request.roles) == wanted && request.login == login &&
        request.target == target) {
      return request;
    }
  }
  return std::nullopt;
}

int RequestService::expire_due() {
  storage::RequestFilter filter;
  filter.state = storage::RequestState::pending;
  auto pending = store_.list_requests(filter);
  return expire_due_in(pending);
}

int RequestService::expire_due_in(std::vector<AccessRequest>& pending) {
  int expired_count = 0;
  auto now = now_();
  std::erase_if(pending, [&](const AccessRequest& request) {
    auto expired = expire_if_due(request, now);
    if (!expired) return false;
    if (store_.update_request(*expired, transition_events(request, *expired, {}, now)) ==
        storage::WriteResult::written) {
      ++expired_count;
      events_.publish({"request.expired", *expired});
    }
    return true;  // due: no longer pending, whoever stored that
  });
  return expired_count;
}

std::optional<TimePoint> RequestService::next_expiry() {
  storage::RequestFilter filter;
  filter.state = storage::RequestState::pending;
  std::optional<TimePoint> earliest;
  for (const auto& request : store_.list_requests(filter)) {
    if (!earliest || request.expires < *earliest) earliest = request.expires;
  }
  storage::RequestFilter awaiting;
  awaiting.awaiting_ratification = true;
  for (const auto& request : store_.list_requests(awaiting)) {
    if (request.ratify_by && (!earliest || *request.ratify_by < *earliest)) {
      earliest = request.ratify_by;
    }
  }
  return earliest;
}

namespace {
// "target=db-1 reason=incident 42": what an audit line says about a lock.
std::string lock_details(const storage::LockRecord& lock) {
  std::string what = !lock.user.empty()     ? "user=" + lock.user
                     : !lock.target.empty() ? "target=" + lock.target
                                            : "role=" + lock.role;
  return what + " reason=" + lock.reason;
}
}  // namespace

// ---- Break-glass
int RequestService::lapse_unratified_due() {
  storage::RequestFilter filter;
  filter.awaiting_ratification = true;
  int lapsed_count = 0;
  auto now = now_();
  for (const auto& request : store_.list_requests(filter)) {
    auto lapsed = lapse_if_unratified(request, now);
    if (!lapsed) continue;
    // A conflict means someone else changed it first (ratified it, or lapsed it elsewhere).
    if (store_.update_request(*lapsed, transition_events(request, *lapsed, {}, now)) ==
        storage::WriteResult::written) {
      ++lapsed_count;
      events_.publish({"request.unratified", *lapsed});
      lock_after_break_glass(*lapsed);
    }
  }
  return lapsed_count;
}

void RequestService::lock_after_break_glass(const AccessRequest& request) {
  auto now = now_();
  auto lock = break_glass_lock(request, now, new_id_());
  if (!lock) return;
  // About the request (its subject), so whoever may see the request sees its lock too: the
  // requester and the reviewers who did not ratify it.
  storage::AuditEvent event{now, "lock.created", "holdgate", "", request.id,
                            "lock=" + lock->id + " " + lock_details(*lock)};
  // The request's change is already stored and published; a lock that cannot be stored is
  // still told to every live session by the event, and the audit shows the request's state.
  (void)store_.create_lock(*lock, event);
  events_.publish({"lock.created", {}, "", "", *lock});
}

// ---- Taking access back ----
Outcome<AccessRequest> RequestService::drop(const Caller& caller, std::string_view id) {
  if (caller.user == nullptr) return ServiceError{ServiceError::Kind::not_allowed, "unknown person"};
  return transition(caller, id, [&](const AccessRequest& stored, TimePoint now) -> Outcome<AccessRequest> {
    auto next = drop_request(stored, caller.user->name, now);
    if (auto* error = std::get_if<RuleError>(&next)) return from_rule(*error);
    return std::get<AccessRequest>(std::move(next));
  });
}

Outcome<std::vector<AccessRequest>> RequestService::drop_all(const Caller& caller) {
  if (caller.user == nullptr) return ServiceError{ServiceError::Kind::not_allowed, "unknown person"};
  storage::RequestFilter filter;
  filter.user = caller.user->name;
  filter.state = storage::RequestState::approved;
  auto now = now_();
  std::vector<AccessRequest> dropped;
  for (const auto& request : store_.list_requests(filter)) {
    if (!request.grant_expires || *request.grant_expires <= now) continue;
    auto outcome = drop(caller, request.id);
    // One that ended meanwhile (expired, revoked) is no longer the caller's to drop: skip it.
    if (auto* done = std::get_if<AccessRequest>(&outcome)) dropped.push_back(std::move(*done));
  }
  if (dropped.empty()) {
    return ServiceError{ServiceError::Kind::not_found, "you have no granted access to drop"};
  }
  return dropped;
}

Outcome<AccessRequest> RequestService::revoke(const Caller& caller, std::string_view id,
                                              std::string reason) {
  if (caller.user == nullptr) return ServiceError{ServiceError::Kind::not_allowed, "unknown person"};
  return transition(caller, id, [&](const AccessRequest& stored, TimePoint now) -> Outcome<AccessRequest> {
    auto next = revoke_request(*config_, stored, caller.user->name, reason, now);
    if (auto* error = std::get_if<RuleError>(&next)) return from_rule(*error);
    return std::get<AccessRequest>(std::move(next));
  });
}

// ---- How grants end
bool RequestService::take_use(const Caller& caller, std::string_view id, const std::string& what) {
  auto now = now_();
  std::string actor = caller.user ? caller.user->name : "holdgate";
  auto stored = store_.get_request(id);
  if (!stored) return false;
  if (!stored->uses) return true;  // the number of uses never changes, so this cannot race
  const int uses = *stored->uses;
  auto left = store_.take_use(id, now, [&](int remaining) {
    return storage::AuditEvent{now, "request.used", actor, caller.source, std::string(id),
                               use_details(uses, remaining, what)};
  });
  if (!left) return false;
  if (auto after = store_.get_request(id)) {
    events_.publish({"request.used", *after, caller.source, caller.key_fingerprint});
  }
  return true;
}

void RequestService::end_with_session(const Caller& caller, std::string_view id,
                                      const std::string& what) {
  // Not through transition(): having no such term is not an error to report, only nothing to do.
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    auto stored = store_.get_request(id);
    if (!stored) return;
    auto now = now_();
    auto ended = approvals::end_with_session(*stored, what, now);
    if (!ended) return;
    std::string actor = caller.user ? caller.user->name : "holdgate";
    std::vector<storage::AuditEvent> events{
        {now, "request.ended", actor, caller.source, ended->id, ended->resolution_reason}};
    if (store_.update_request(*ended, events) == storage::WriteResult::written) {
      events_.publish({"request.ended", *ended});
      return;
    }
  }
}

// ---- Locks

Outcome<storage::LockRecord> RequestService::create_lock(const Caller& caller, const NewLock& lock) {
  if (caller.user == nullptr) return ServiceError{ServiceError::Kind::not_allowed, "unknown person"};
  auto now = now_();
  auto planned = plan_lock(*config_, caller.user->name, lock, now, new_id_());
  if (auto* error = std::get_if<RuleError>(&planned)) return from_rule(*error);
  auto& created = std::get<storage::LockRecord>(planned);
  storage::AuditEvent event{now, "lock.created", caller.user->name, caller.source, created.id,
                            lock_details(created)};
  auto stored = store_.create_lock(created, event);
  if (auto* error = std::get_if<storage::StoreError>(&stored)) throw storage::StoreFailure(error->message);  // as create()
  events_.publish({"lock.created", {}, caller.source, "", created});
  return created;
}

Outcome<storage::LockRecord> RequestService::remove_lock(const Caller& caller, std::string_view id) {
  if (caller.user == nullptr || !is_admin(*config_, caller.user->name)) return from_rule(not_admin());
  auto now = now_();
  auto held = store_.active_locks(now);
  auto found = std::find_if(held.begin(), held.end(), [&](const auto& l) { return l.id == id; });
  if (found == held.end()) {
    return ServiceError{ServiceError::Kind::not_found, "no lock with ID '" + std::string(id) + "' holds now"};
  }
  storage::AuditEvent event{now, "lock.removed", caller.user->name, caller.source, found->id,
                            lock_details(*found)};
  if (store_.remove_lock(id, caller.user->name, now, event) != storage::WriteResult::written) {
    return ServiceError{ServiceError::Kind::not_found, "no lock with ID '" + std::string(id) + "' holds now"};
  }
  found->removed = now;
  found->removed_by = caller.user->name;
  events_.publish({"lock.removed", {}, caller.source, "", *found});
  return *found;
}

Outcome<std::vector<storage::LockRecord>> RequestService::list_locks(const Caller& caller) {
  if (caller.user == nullptr || !is_admin(*config_, caller.user->name)) return from_rule(not_admin());
  return store_.active_locks(now_());
}

std::vector<policy::Lock> RequestService::active_locks() {
  std::vector<policy::Lock> locks;
  for (const auto& lock : store_.active_locks(now_())) locks.push_back(policy_lock(lock));
  return locks;
}

void RequestService::record(const storage::AuditEvent& event) { store_.append_audit(event); }

std::string random_uuid() {
  unsigned char b[16];
  if (!random_bytes(b, sizeof b)) throw RandomFailure();
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return text;
}

}  // namespace holdgate::approvals
