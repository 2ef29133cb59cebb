#include "escalation.hpp"

#include <algorithm>
#include <deque>

#include "approvals/escalation_text.hpp"
#include "approvals/hook_review.hpp"
#include "approvals/lock_rules.hpp"
#include "policy/locks.hpp"
#include "policy/sanitize.hpp"
#include "connection_failure.hpp"

namespace holdgate::proxy {
namespace {

namespace text = approvals::escalation_text;

// How long a person may take to type an answer.
constexpr auto answer_timeout = std::chrono::minutes(10);
constexpr int max_attempts = 3;

// Marks a request as having a person waiting on it live, for as long as this lives.
class WaitingMark {
 public:
  WaitingMark(WaitingRegistry& registry, std::string id) : registry_(registry), id_(std::move(id)) {
    ++registry_[id_];
  }
  ~WaitingMark() {
    if (--registry_[id_] <= 0) registry_.erase(id_);
  }
  WaitingMark(const WaitingMark&) = delete;
  WaitingMark& operator=(const WaitingMark&) = delete;

 private:
  WaitingRegistry& registry_;
  std::string id_;
};

using SshStringHandle = std::unique_ptr<ssh_string_struct, SshDeleter<&ssh_string_free>>;

std::string first_answer(ssh_session session) {
  if (ssh_userauth_kbdint_getnanswers(session) < 1) return {};
  const char* answer = ssh_userauth_kbdint_getanswer(session, 0);
  return answer ? answer : "";
}

}  // namespace

Escalation::Escalation(ssh_session user, SshWaiter& waiter, StorageWorker& storage,
                       approvals::Caller caller, std::string login, const config::Target& target,
                       std::vector<approvals::RoleThreshold> roles, std::string invocation,
                       WaitingRegistry& waiting)
    : user_(user),
      waiter_(waiter),
      storage_(storage),
      caller_(std::move(caller)),
      login_(std::move(login)),
      target_(target),
      roles_(std::move(roles)),
      invocation_(std::move(invocation)),
      waiting_(waiting) {
  // Break-glass is the way in only when it is the only one: reviewers first where they can be.
  const bool any_reviewed = std::any_of(roles_.begin(), roles_.end(),
                                        [](const auto& r) { return !r.break_glass; });
  if (any_reviewed) std::erase_if(roles_, [](const auto& r) { return r.break_glass; });
}

awaitable<MessageHandle> Escalation::next_response(SteadyClock::time_point deadline,
                                                   const bool& stop) {
  while (!stop && !connection_failed(user_) && SteadyClock::now() < deadline) {
    MessageHandle m(ssh_message_get(user_));
    if (!m) {
      co_await waiter_.wait(deadline);
      continue;
    }
    if (ssh_message_type(m.get()) == SSH_REQUEST_AUTH &&
        ssh_message_subtype(m.get()) == SSH_AUTH_METHOD_INTERACTIVE) {
      co_return m;
    }
    if (ssh_message_type(m.get()) == SSH_REQUEST_SERVICE) {
      ssh_message_service_reply_success(m.get());
    } else {
      ssh_message_reply_default(m.get());  // another method: only the conversation counts now
    }
  }
  co_return MessageHandle{};
}

awaitable<MessageHandle> Escalation::ask(MessageHandle message, const std::string& instruction,
                                         const std::string& prompt, const bool& stop) {
  const char* prompts[] = {prompt.c_str()};
  char echo[] = {1};
  ssh_message_auth_interactive_request(message.get(), "", instruction.c_str(),
                                       prompt.empty() ? 0 : 1, prompts, echo);
  message.reset();
  co_return co_await next_response(SteadyClock::now() + answer_timeout, stop);
}

awaitable<EscalationResult> Escalation::refuse(MessageHandle message, std::string why,
                                               const bool& stop) {
  auto last = co_await ask(std::move(message), why, "", stop);
  if (!last) co_return EscalationResult::gone;
  // No method left to try: the client stops here instead of asking again.
  ssh_set_auth_methods(user_, 0);
  ssh_message_reply_default(last.get());
  co_return EscalationResult::refused;
}

awaitable<std::optional<std::optional<storage::AccessRequest>>> Escalation::reattach() {
  co_return co_await ask_service([&](approvals::RequestService& requests) {
    for (const auto& role : roles_) {
      if (auto request = requests.find_pending(caller_.user->name, {role.role}, login_, target_.name)) {
        return request;
      }
    }
    return std::optional<storage::AccessRequest>();
  });
}

awaitable<EscalationResult> Escalation::break_glass(MessageHandle message, const bool& stop) {
  auto fail = [&](const std::string& why) { return refuse(std::move(message), why, stop); };
  const std::string unreachable = "holdgate: " + std::string(StorageUnreachable().what());
  auto over_limit = co_await ask_service([&](approvals::RequestService& r) { return r.over_limit(caller_); });
  if (!over_limit) co_return co_await fail(unreachable);
  if (auto& refused = *over_limit) {
    co_return co_await fail("holdgate: " + refused->message);
  }
  approvals::NewRequest wanted;
  wanted.roles = {roles_.front().role};
  wanted.login = login_;
  wanted.target = target_.name;
  wanted.source = caller_.source;
  wanted.break_glass = true;
  std::string instruction;
  for (int attempt = 0;; ++attempt) {
    message = co_await ask(std::move(message), instruction, text::break_glass_reason_prompt(), stop);
    if (!message) co_return EscalationResult::gone;
    wanted.reason = first_answer(user_);
    if (wanted.reason.find_first_not_of(" \t") != std::string::npos) break;
    instruction = "holdgate: break-glass access needs a reason";
    if (attempt + 1 == max_attempts) co_return co_await fail(instruction);
  }
  message = co_await ask(std::move(message), "", text::break_glass_confirm_prompt(target_.name), stop);
  if (!message) co_return EscalationResult::gone;
  wanted.confirm = first_answer(user_);
  // One try: a wrong name is a reason to stop and look, not to guess again.
  auto stored = co_await ask_service([&](approvals::RequestService& r) { return r.create(caller_, wanted); });
  if (!stored) co_return co_await fail(unreachable);
  auto& created = *stored;
  if (auto* error = std::get_if<approvals::ServiceError>(&created)) {
    co_return co_await fail("holdgate: " + error->message);
  }
  const auto& request = std::get<storage::AccessRequest>(created);
  request_id_ = request.id;
  message = co_await ask(std::move(message), text::break_glass_granted(request, target_.name), "", stop);
  if (!message) co_return EscalationResult::gone;
  ssh_message_auth_reply_success(message.get(), 0);
  co_return EscalationResult::approved;
}

awaitable<EscalationResult> Escalation::run(MessageHandle pending, const bool& stop) {
  const bool break_glass_only = roles_.front().break_glass;
  SshStringHandle banner(ssh_string_from_char(
      (break_glass_only
           ? text::break_glass_banner(login_, target_.name, roles_.front(), invocation_)
           : text::denied_banner(login_, target_.name, roles_, invocation_))
          .c_str()));
  ssh_send_issue_banner(user_, banner.get());
  // The key is proven; one more step, which only a client with a terminal can take.
  ssh_set_auth_methods(user_, SSH_AUTH_METHOD_INTERACTIVE);
  ssh_message_auth_reply_success(pending.get(), 1);
  pending.reset();

  auto message = co_await next_response(SteadyClock::now() + answer_timeout, stop);
  if (!message) co_return EscalationResult::gone;
  if (break_glass_only) co_return co_await break_glass(std::move(message), stop);

  auto fail = [&](const std::string& why) { return refuse(std::move(message), why, stop); };
  const std::string unreachable = "holdgate: " + std::string(StorageUnreachable().what());

  auto reattached = co_await reattach();
  if (!reattached) co_return co_await fail(unreachable);
  std::optional<storage::AccessRequest> request = std::move(*reattached);
  const bool created_now = !request;
  std::string lines;
  if (request) {
    lines = text::reattached(*request);
  } else {
    // At the per-person limits no reason could help: say so before asking for one.
    auto over_limit = co_await ask_service([&](approvals::RequestService& r) { return r.over_limit(caller_); });
    if (!over_limit) co_return co_await fail(unreachable);
    if (auto& refused = *over_limit) {
      co_return co_await fail("holdgate: " + refused->message);
    }
    const approvals::RoleThreshold* role = &roles_.front();
    std::string instruction;
    for (int attempt = 0; roles_.size() > 1; ++attempt) {
      if (attempt == max_attempts) co_return co_await fail("holdgate: no role chosen");
      message = co_await ask(std::move(message), instruction, text::role_prompt(roles_), stop);
      if (!message) co_return EscalationResult::gone;
      std::string answer = first_answer(user_);
      if (answer.empty()) break;  // the proposed one
      auto chosen = std::find_if(roles_.begin(), roles_.end(),
                                 [&](const auto& r) { return r.role == answer; });
      if (chosen != roles_.end()) {
        role = &*chosen;
        break;
      }
      instruction = "holdgate: choose one of the roles listed";
    }
    instruction.clear();
    for (int attempt = 0; !request; ++attempt) {
      message = co_await ask(std::move(message), instruction, text::reason_prompt(), stop);
      if (!message) co_return EscalationResult::gone;
      approvals::NewRequest wanted;
      wanted.roles = {role->role};
      wanted.reason = first_answer(user_);
      wanted.login = login_;
      wanted.target = target_.name;
      wanted.source = caller_.source;
      auto stored = co_await ask_service([&](approvals::RequestService& r) { return r.create(caller_, wanted); });
      if (!stored) co_return co_await fail(unreachable);
      auto& created = *stored;
      if (auto* error = std::get_if<approvals::ServiceError>(&created)) {
        instruction = "holdgate: " + error->message;
        const bool hopeless = error->kind == approvals::ServiceError::Kind::over_limit;
        if (hopeless || attempt + 1 == max_attempts) co_return co_await fail(instruction);
        continue;
      }
      request = std::get<storage::AccessRequest>(std::move(created));
    }
    lines = text::created(*request);
  }
  request_id_ = request->id;
  WaitingMark mark(waiting_, request_id_);

  std::deque<approvals::RequestChange> changes;
  // A lock that now covers the request (its requester, a role, this target) ends the hold: no
  // approval could let this connection through.
  std::optional<std::string> locked;
  auto subscription = storage_.events().subscribe([&](const approvals::RequestChange& change) {
    if (change.event == "lock.created" && change.lock && request &&
        approvals::lock_blocking_approval({*change.lock}, *request)) {
      locked = policy::lock_sentence(approvals::policy_lock(*change.lock));
      waiter_.notify();
      return;
    }
    if (change.request.id != request_id_) return;
    changes.push_back(change);
    waiter_.notify();
  });
  std::size_t reviews_shown = request->reviews.size();
  if (created_now) {
    // Approval hooks usually answer within their timeout: wait that long before the first word,
    // so a requester a hook denies reads its reason now, and one it approves goes straight in.
    const auto& config = storage_.config();
    const auto until = SteadyClock::now() + approvals::hook_wait_limit(config);
    while (!approvals::hooks_settled(config, *request) && !locked && SteadyClock::now() < until) {
      if (stop || connection_failed(user_)) co_return EscalationResult::gone;
      while (MessageHandle m{ssh_message_get(user_)}) ssh_message_reply_default(m.get());
      co_await waiter_.wait(until);
      for (; !changes.empty(); changes.pop_front()) request = std::move(changes.front().request);
    }
    // Decided already: the decision is all there is to say.
    if (request->state != storage::RequestState::pending) lines.clear();
    for (; reviews_shown < request->reviews.size() && !lines.empty(); ++reviews_shown) {
      lines += "\n" + text::review(request->reviews[reviews_shown]);
    }
  }
  if (request->state == storage::RequestState::pending) {
    lines += "\n" + text::waiting(approvals::progress(storage_.config(), *request));
  }

  // Hold: each progress report is one zero-prompt question, answered by the client at once;
  // that answer is kept unanswered until there is news, which is how the wait stays open.
  while (true) {
    if (!lines.empty()) {
      message = co_await ask(std::move(message), lines, "", stop);
      if (!message) co_return EscalationResult::gone;
      lines.clear();
    }
    if (locked) {
      co_return co_await fail("holdgate: request " + request_id_ + " cannot be approved now: " +
                              policy::sanitize(*locked));
    }
    if (request->state != storage::RequestState::pending) {
      if (request->state != storage::RequestState::approved) {
        co_return co_await fail(text::resolved(*request, target_.name));
      }
      message = co_await ask(std::move(message), text::resolved(*request, target_.name), "", stop);
      if (!message) co_return EscalationResult::gone;
      ssh_message_auth_reply_success(message.get(), 0);
      co_return EscalationResult::approved;
    }
    if (changes.empty()) {
      if (stop || connection_failed(user_)) co_return EscalationResult::gone;
      // Expiry is pushed too; the deadline only guards against a missed event.
      auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                               request->expires - std::chrono::system_clock::now()) +
                      std::chrono::seconds(2);
      if (SteadyClock::now() > deadline) {
        // show() expires the request if its time has come (clocks may disagree slightly).
        // (A database away for now: the hold goes on, and asks again in a second.)
        auto fresh = co_await ask_service([&](approvals::RequestService& r) { return r.show(request_id_); });
        if (auto* r = fresh ? std::get_if<storage::AccessRequest>(&*fresh) : nullptr) request = *r;
        deadline = SteadyClock::now() + std::chrono::seconds(1);
      }
      // Anything the client sends while held (keepalives) is answered; a hang-up ends it.
      while (MessageHandle m{ssh_message_get(user_)}) ssh_message_reply_default(m.get());
      co_await waiter_.wait(deadline);
      continue;
    }
    while (!changes.empty()) {
      request = std::move(changes.front().request);
      changes.pop_front();
      for (; reviews_shown < request->reviews.size(); ++reviews_shown) {
        lines += (lines.empty() ? "" : "\n") + text::review(request->reviews[reviews_shown]);
      }
    }
    if (request->state == storage::RequestState::pending) {
      lines += (lines.empty() ? "" : "\n") + text::waiting(approvals::progress(storage_.config(), *request));
    }
  }
}

}  // namespace holdgate::proxy
