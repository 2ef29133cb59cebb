// The access-request service: the one place requests change. Each operation reads the stored
// request, applies the pure rules, and writes the result with compare-and-swap (retrying on a
// conflict), records audit events in the same transaction, then notifies subscribers.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "approvals/hook_protocol.hpp"
#include "approvals/request_events.hpp"
#include "approvals/lock_rules.hpp"
#include "approvals/request_rules.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"

namespace holdgate::approvals {

// Who is asking, as holdgate authenticated them.
struct Caller {
  const config::User* user = nullptr;
  std::string source;  // "ip:port"
  std::string key_fingerprint{};  // "SHA256:...", when the caller knows it (approval hooks see it)
};

struct ServiceError {
  // over_limit: limits.max_pending_requests or limits.request_rate; asking again at once with
  // another reason cannot help.
  enum class Kind { invalid, not_allowed, not_found, not_pending, storage, over_limit };
  Kind kind = Kind::invalid;
  std::string message;  // one sentence
};

enum class ListScope { mine, reviewable, all, mine_and_reviewable };

template <class T>
using Outcome = std::variant<T, ServiceError>;

class RequestService {
 public:
  using Now = std::function<TimePoint()>;

  RequestService(const config::Config& config, storage::Store& store, Now now,
                 std::function<std::string()> new_id);

  // Refused with Kind::over_limit when the caller is at limits.max_pending_requests or
  // limits.request_rate (approvals/request_limits.hpp); nothing is stored or published then.
  // Throws storage::StoreFailure when the database fails (as every read does), nothing stored.
  Outcome<AccessRequest> create(const Caller& caller, const NewRequest& request);
  // Why create() would refuse the caller for their limits right now, or nullopt; lets an inline
  // escalation say so before asking for a reason.
  std::optional<ServiceError> over_limit(const Caller& caller);
  Outcome<AccessRequest> review(const Caller& caller, std::string_view id, Decision decision,
                                std::string reason);
  Outcome<AccessRequest> cancel(const Caller& caller, std::string_view id);
  // An approval hook's answer (config approvals.hooks), as reviewer "hook:NAME": approve counts
  // as one approval, deny ends the request at once, none (also a failed hook) is recorded as
  // an answer only; the last answer releases held approvals (apply_hook_answer,
  // service_hooks.cpp).
  Outcome<AccessRequest> review_as_hook(std::string_view hook, std::string_view id,
                                        HookDecision decision, std::string reason);

  // The request, expired first if its time has come. Who may look is the caller's business
  // (visibility.hpp); so it is for list(..., ListScope::all) and history().
  Outcome<AccessRequest> show(std::string_view id);
  std::vector<AccessRequest> list(const Caller& caller, ListScope scope);
  // The PENDING requests the caller made or may review, newest first, after expiring those
  // due: what the menu shows. Reads only pending requests, however long the history.
  std::vector<AccessRequest> pending_for(const Caller& caller);
  std::vector<storage::AuditEvent> history(TimePoint since);
  // history() of these kinds only (sessions: session.ended, recording.deleted).
  std::vector<storage::AuditEvent> history_of(const std::vector<std::string>& kinds,
                                              TimePoint since);
  // The newest audit event (what a checkpoint signs).
  std::optional<storage::AuditEvent> latest_audit();

  // Roles `user` holds through grants at this moment.
  std::vector<storage::GrantRecord> active_grants(std::string_view user);

  // The newest PENDING request of `user` for exactly these roles and this login/target, if any
  // (an inline escalation reattaches to it instead of asking again).
  std::optional<AccessRequest> find_pending(std::string_view user, const std::vector<std::string>& roles,
                                            std::string_view login, std::string_view target);

  // Moves every pending request whose ttl has passed to EXPIRED; returns how many.
  int expire_due();

  // The earliest time a pending request expires or a break-glass request's ratification
  // window ends (to arm one timer, not to poll).
  std::optional<TimePoint> next_expiry();

  // ---- Break-glass (issue 12, section 4). create() with NewRequest::break_glass stores the
  // request APPROVED at once (audited and published as request.break_glass); review() of one
  // AWAITING ratification ratifies or rejects it (request.ratified / request.rejected).
  // Moves every break-glass request whose ratification window has passed to UNRATIFIED
  // (request.unratified); returns how many. Rejected and unratified ones lock their requester
  // (lock.created, by "holdgate").
  int lapse_unratified_due();

  // ---- Taking access back (issue 12, section 2): the grant ends now; request.dropped /
  // request.revoked are audited and published, so live sessions end at once.
  Outcome<AccessRequest> drop(const Caller& caller, std::string_view id);
  // Every request of the caller whose grant still holds; refused when there is none.
  Outcome<std::vector<AccessRequest>> drop_all(const Caller& caller);
  Outcome<AccessRequest> revoke(const Caller& caller, std::string_view id, std::string reason);

  // ---- How grants end (issue 12, section 3; approvals/grant_terms.hpp).
  // A login to `what` ("root@db-1") allowed by request `id`'s grant: when the grant has uses,
  // takes one, audited as request.used ("use 1 of 1 (root@db-1); no uses left") and published.
  // False when none was left to take (another login took the last one): the login must not go
  // on. True otherwise, also for a grant without uses.
  bool take_use(const Caller& caller, std::string_view id, const std::string& what);
  // The session on `what` that logged in with request `id`'s until-session-end grant ended: the
  // grant ends now (request.ended, audited and published, so other sessions on it end too).
  // Nothing happens for a request without that term or whose grant is already over.
  void end_with_session(const Caller& caller, std::string_view id, const std::string& what);

  // ---- Locks (admins only): stored, audited (lock.created / lock.removed) and published with
  // RequestChange::lock set, so live sessions they cover end at once.
  Outcome<storage::LockRecord> create_lock(const Caller& caller, const NewLock& lock);
  Outcome<storage::LockRecord> remove_lock(const Caller& caller, std::string_view id);
  Outcome<std::vector<storage::LockRecord>> list_locks(const Caller& caller);
  // The locks that hold now (what a login decision consults).
  std::vector<policy::Lock> active_locks();

  void record(const storage::AuditEvent& event);  // e.g. login.allowed from the proxy
  TimePoint now() const { return now_(); }
  const config::Config& config() const { return *config_; }
  // A reload (proxy/config_reload.cpp): the calls after this one decide by `config`, which
  // this service keeps alive. Call on the thread that uses the service, between calls.
  void set_config(std::shared_ptr<const config::Config> config) {
    config_ = config.get();
    owned_config_ = std::move(config);
  }
  RequestEvents& events() { return events_; }

 private:
  // The one Change type compiled outside service.cpp (explicitly instantiated there).
  using ChangeFn = std::function<Outcome<AccessRequest>(const AccessRequest&, TimePoint)>;
  template <class Change>
  Outcome<AccessRequest> transition(const Caller& caller, std::string_view id, Change change);
  // The lock a rejected or unratified break-glass request puts on its requester.
  void lock_after_break_glass(const AccessRequest& request);
  // Stores EXPIRED for those of `pending` whose ttl has passed and removes them from it.
  int expire_due_in(std::vector<AccessRequest>& pending);

  const config::Config* config_;  // never null; owned_config_ when set_config gave one
  std::shared_ptr<const config::Config> owned_config_;
  storage::Store& store_;
  Now now_;
  std::function<std::string()> new_id_;
  RequestEvents events_;
};

// A random UUID v4 in lowercase text. Throws RandomFailure (approvals/random.hpp) when the
// system cannot supply random bytes.
std::string random_uuid();

}  // namespace holdgate::approvals
