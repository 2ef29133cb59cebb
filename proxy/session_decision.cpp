// The login decision of a Session: policy (pure) over the person's grants and the locks as
// stored now. Every read and write goes through the storage worker, so a slow database slows
// this login only, never the event loop the other sessions run on.
#include "session.hpp"

#include "approvals/escalation_text.hpp"
#include "approvals/lock_rules.hpp"
#include "escalation.hpp"
#include "policy/locks.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::proxy {
namespace {

// "holdgate: access denied to root on db-1: <why>", the one sentence of a refused login.
std::string denied(const std::string& login, const config::Target& target,
                   const std::string& why) {
  return "holdgate: access denied to " + login + " on " + target.name + ": " +
         policy::sanitize(why);
}

// The person's live grants for policy. For a new login a grant's uses left count (one with
// none allows no new login); for a session already running they do not.
std::vector<policy::Grant> policy_grants(approvals::RequestService& requests,
                                         const std::string& person, bool new_login) {
  std::vector<policy::Grant> grants;
  for (const auto& grant : requests.active_grants(person)) {
    grants.push_back({grant.role, grant.expires, grant.login, grant.target, grant.request_id,
                      grant.uses, new_login ? grant.uses_left : std::nullopt});
  }
  return grants;
}

}  // namespace

awaitable<std::optional<policy::AccessDecision>> Session::admit(
    AuthenticatedPerson& person, const approvals::Caller& caller, const std::string& login,
    const config::Target& target, std::vector<std::string>& session_requests) {
  auto decision = co_await decide(*person.user, login, target);
  // A lock refuses what it covers outright: asking for a role cannot help during an incident.
  if (auto lock = co_await covering_lock(*person.user, target, decision)) {
    auto sentence = policy::lock_sentence(*lock);
    log("decision", {{"result", "locked"}, {"login", login}, {"target", target.name},
                     {"reason", sentence}});
    context_.storage->record({std::chrono::system_clock::now(), "login.denied", person.user->name,
                              source_, login + "@" + target.name, sentence});
    accept(std::move(person.pending));
    co_await refuse(denied(login, target, sentence));
    co_return std::nullopt;
  }
  if (decision.used_up) {
    // Its reviewers approved that many logins, not one more: asking again is a new request.
    accept(std::move(person.pending));
    co_await refuse(denied(login, target, decision.reason));
    co_return std::nullopt;
  }
  if (decision.allowed()) {
    accept(std::move(person.pending));
  } else {
    auto roles = approvals::roles_granting(config_, *person.user, login, target);
    if (roles.empty()) {
      accept(std::move(person.pending));
      co_await refuse(approvals::escalation_text::not_requestable(login, target.name));
      co_return std::nullopt;
    }
    Escalation escalation(user_.get(), waiter_, *context_.storage, caller, login, target,
                          std::move(roles), context_.approvals_command, context_.waiting);
    auto result = co_await escalation.run(std::move(person.pending), stop_requested_);
    log("escalation", {{"request", escalation.request_id()},
                       {"result", result == EscalationResult::approved ? "approved"
                                  : result == EscalationResult::refused ? "refused" : "gone"}});
    if (result != EscalationResult::approved) co_return std::nullopt;
    session_requests.push_back(escalation.request_id());  // the session that waited for it
    decision = co_await decide(*person.user, login, target);  // now with the new grant
    if (!decision.allowed()) co_return std::nullopt;
    if (auto lock = co_await covering_lock(*person.user, target, decision)) {  // locked while held
      co_await refuse("holdgate: " + policy::sanitize(policy::lock_sentence(*lock)));
      co_return std::nullopt;
    }
  }
  decision = co_await take_use(caller, std::move(decision), login, target);
  if (!decision.allowed()) {
    co_await refuse(denied(login, target, decision.reason));
    co_return std::nullopt;
  }
  co_return decision;
}

awaitable<policy::AccessDecision> Session::take_use(const approvals::Caller& caller,
                                                    policy::AccessDecision decision,
                                                    const std::string& login,
                                                    const config::Target& target) {
  // Each lost race means another login took a use, so a few rounds settle it.
  for (int round = 0; round < 4 && decision.allowed(); ++round) {
    const std::string id = decision.permit->request_id();
    const std::string what = login + "@" + target.name;
    if (id.empty()) co_return decision;
    bool taken = co_await context_.storage->run(
        [&](approvals::RequestService& requests) { return requests.take_use(caller, id, what); },
        caller.user->name);
    if (taken) co_return decision;
    decision = co_await decide(*caller.user, login, target);
  }
  if (decision.allowed()) {
    decision = {std::nullopt, "its grant's uses are being taken by other logins; try again"};
  }
  co_return decision;
}

awaitable<policy::AccessDecision> Session::decide(const config::User& user, const std::string& login,
                                                  const config::Target& target) {
  // Read, decided and audited in one call: the decision is made on the grants as read.
  auto decision = co_await context_.storage->run(
      [&](approvals::RequestService& requests) {
        auto grants = policy_grants(requests, user.name, true);
        auto made = policy::decide_login(config_, user, login, target, grants, requests.now());
        requests.record({requests.now(), made.allowed() ? "login.allowed" : "login.denied", user.name,
                         source_, login + "@" + target.name, made.reason});
        return made;
      },
      user.name);
  log("decision", {{"result", decision.allowed() ? "allow" : "deny"},
                   {"login", login},
                   {"target", target.name},
                   {"reason", decision.reason}});
  co_return decision;
}

awaitable<bool> Session::still_allowed(const policy::LoginPermit& permit) {
  const config::User* user = config_.find_user(permit.person());
  if (user == nullptr) co_return false;
  try {
    co_return co_await context_.storage->run(
        [&](approvals::RequestService& requests) {
          auto grants = policy_grants(requests, user->name, false);
          auto decision = policy::decide_login(config_, *user, permit.login(), permit.target(),
                                               grants, requests.now());
          if (!decision.allowed()) return false;
          auto locks = requests.active_locks();
          return !policy::covering_lock(locks, user->name, permit.target().name, decision.permit->role());
        },
        user->name);
  } catch (const StorageUnreachable&) {
    co_return false;
  }
}

awaitable<std::optional<policy::Lock>> Session::covering_lock(const config::User& user,
                                                              const config::Target& target,
                                                              const policy::AccessDecision& decision) {
  const std::string role = decision.permit ? decision.permit->role() : std::string();
  co_return co_await context_.storage->run(
      [&](approvals::RequestService& requests) -> std::optional<policy::Lock> {
        auto locks = requests.active_locks();
        if (const policy::Lock* lock = policy::covering_lock(locks, user.name, target.name, role)) {
          return *lock;
        }
        return std::nullopt;
      },
      user.name);
}

}  // namespace holdgate::proxy
