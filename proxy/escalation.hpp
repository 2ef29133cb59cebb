// Inline escalation: a person whose login policy denies, but who could request a role that
// allows it, is asked for a reason in their own terminal (keyboard-interactive prompts, which
// OpenSSH shows for shells, exec, scp and sftp alike), a request is opened (or an earlier
// pending one reattached), and the authentication is held open, with progress pushed as
// reviews land, until the request is decided. Approved: authentication succeeds and the same
// connection goes on to the target. Anything else: one clear line and authentication fails.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "approvals/service.hpp"
#include "runtime/storage_worker.hpp"
#include "runtime/net.hpp"
#include "ssh_handles.hpp"
#include "ssh_waiter.hpp"

namespace holdgate::proxy {

// Request id -> how many connections are waiting on it live (shown in lists and menus).
using WaitingRegistry = std::map<std::string, int>;

enum class EscalationResult { approved, refused, gone };

class Escalation {
 public:
  Escalation(ssh_session user, SshWaiter& waiter, StorageWorker& storage,
             approvals::Caller caller, std::string login, const config::Target& target,
             std::vector<approvals::RoleThreshold> roles, std::string invocation,
             WaitingRegistry& waiting);

  // `pending` is the person's verified public-key request, still unanswered.
  awaitable<EscalationResult> run(MessageHandle pending, const bool& stop);

  // Set once the outcome is known, for the log.
  const std::string& request_id() const { return request_id_; }

 private:
  // The client's next keyboard-interactive message (its start, or an answer), or null when it
  // went away, the server stops, or `deadline` passes.
  awaitable<MessageHandle> next_response(SteadyClock::time_point deadline, const bool& stop);
  // Sends `instruction` and one prompt (or none) on `message`; returns the answer message.
  awaitable<MessageHandle> ask(MessageHandle message, const std::string& instruction,
                               const std::string& prompt, const bool& stop);
  // Shows `why` as the last words and ends the conversation refused.
  awaitable<EscalationResult> refuse(MessageHandle message, std::string why, const bool& stop);
  // `f(service)` on the storage worker, as the caller; nullopt when the database cannot be
  // reached (then the person is told so, and nothing was asked of the service).
  // `f` captures by reference only (see StorageWorker::run: a copy of it runs on the worker).
  template <class F>
  awaitable<std::optional<std::invoke_result_t<F&, approvals::RequestService&>>> ask_service(F f) {
    static_assert(std::is_trivially_copyable_v<F>, "ask_service takes a lambda capturing by reference");
    try {
      co_return co_await storage_.run(f, caller_.user->name);
    } catch (const StorageUnreachable&) {
      co_return std::nullopt;
    }
  }
  // The pending request to reattach to, if any; nullopt when the database cannot be reached.
  awaitable<std::optional<std::optional<storage::AccessRequest>>> reattach();
  // When every role that would allow the login is break-glass: reason, confirmation, access.
  awaitable<EscalationResult> break_glass(MessageHandle message, const bool& stop);

  ssh_session user_;
  SshWaiter& waiter_;
  StorageWorker& storage_;
  approvals::Caller caller_;
  std::string login_;
  const config::Target& target_;
  std::vector<approvals::RoleThreshold> roles_;
  std::string invocation_;
  WaitingRegistry& waiting_;
  std::string request_id_;
};

}  // namespace holdgate::proxy
