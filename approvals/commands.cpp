#include "approvals/commands.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "approvals/command_line.hpp"
#include "approvals/hook_review.hpp"
#include "approvals/session_commands.hpp"
#include "approvals/json.hpp"
#include "approvals/session_access.hpp"
#include "approvals/visibility.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {

// The service's sentences may quote what people typed (an unknown id, a role name); they are
// sanitised again here because this is where they reach a terminal.
CommandResult refused(std::string_view sentence) {
  return {"", "holdgate: " + policy::sanitize(sentence) + "\n", exit_refused, false};
}

namespace {

CommandResult ok(std::string out) { return {std::move(out), "", exit_ok, false}; }

CommandResult usage_error(const UsageError& error) {
  return {"", "holdgate: " + error.message + "\n\n" + error.usage, exit_usage, false};
}

// One operator() per command, for std::visit.
class Runner {
 public:
  Runner(RequestService& service, const Caller& caller, const CommandContext& context)
      : service_(service), caller_(caller), context_(context) {}

  CommandResult operator()(const cmd::Help&) const { return ok(usage_text(context_.invocation)); }

  CommandResult operator()(const cmd::Create& create) const {
    NewRequest request;
    request.roles = create.roles;
    request.login = create.login;
    request.target = create.target;
    request.reviewers = create.reviewers;
    request.max_duration = create.max_duration;
    request.reason = create.reason;
    request.break_glass = create.break_glass;
    request.confirm = create.confirm;
    auto outcome = service_.create(caller_, request);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    const auto& created = std::get<AccessRequest>(outcome);
    if (!hooks_settled(service_.config(), created)) {
      // Every request with hooks waits, `hooks: required` or not: a hook's verdict usually
      // comes within its timeout, and the requester should hear it then, not later.
      CommandResult result;
      result.await_hooks = created.id;
      return result;
    }
    return created_result(service_.config(), created, context_.invocation);
  }

  CommandResult operator()(const cmd::List& list) const {
    if (list.scope == ListScope::all && !is_auditor(service_.config(), *caller_.user)) {
      return refused("request list --all is only for a role with audit: true; request list shows "
                     "your own requests and those you may review");
    }
    auto requests = service_.list(caller_, list.scope);
    if (list.json) return ok(requests_json(requests, progress_fn()) + "\n");
    return ok(render_request_table(requests, progress_fn(), context_.waiting));
  }

  CommandResult operator()(const cmd::Show& show) const {
    auto outcome = service_.show(show.id);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    const auto& request = std::get<AccessRequest>(outcome);
    if (auto hidden = hidden_from_caller(request)) return *hidden;
    if (show.json) return ok(request_json(request, progress_of(request)) + "\n");
    return ok(render_request(request, progress_of(request), waiting(request.id)));
  }

  CommandResult operator()(const cmd::Review& review) const {
    // The service's refusals name the request's roles: only for those who may see it.
    if (auto hidden = hidden_from_caller(review.id)) return *hidden;
    auto outcome = service_.review(caller_, review.id, review.decision, review.reason);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    const auto& request = std::get<AccessRequest>(outcome);
    return ok(render_reviewed(request, progress_of(request), review.decision));
  }

  CommandResult operator()(const cmd::Cancel& cancel) const {
    if (auto hidden = hidden_from_caller(cancel.id)) return *hidden;
    auto outcome = service_.cancel(caller_, cancel.id);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    return ok(render_cancelled(std::get<AccessRequest>(outcome)));
  }

  // ---- Taking access back
  CommandResult operator()(const cmd::Drop& drop) const {
    if (drop.id.empty()) {
      auto outcome = service_.drop_all(caller_);
      if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
      std::string out;
      for (const auto& request : std::get<std::vector<AccessRequest>>(outcome)) {
        out += render_taken_back(request);
      }
      return ok(out);
    }
    if (auto hidden = hidden_from_caller(drop.id)) return *hidden;
    auto outcome = service_.drop(caller_, drop.id);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    return ok(render_taken_back(std::get<AccessRequest>(outcome)));
  }

  CommandResult operator()(const cmd::Revoke& revoke) const {
    // An admin may revoke what they could not otherwise see; anyone else is told only that.
    if (!is_admin(service_.config(), caller_.user->name)) {
      if (auto hidden = hidden_from_caller(revoke.id)) return *hidden;
    }
    auto outcome = service_.revoke(caller_, revoke.id, revoke.reason);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    return ok(render_taken_back(std::get<AccessRequest>(outcome)));
  }

  // ---- Locks
  CommandResult operator()(const cmd::LockCreate& create) const {
    auto outcome = service_.create_lock(caller_, create.lock);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    return ok(render_lock(std::get<storage::LockRecord>(outcome)));
  }
  CommandResult operator()(const cmd::LockList&) const {
    auto outcome = service_.list_locks(caller_);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    return ok(render_locks(std::get<std::vector<storage::LockRecord>>(outcome)));
  }
  CommandResult operator()(const cmd::LockRemove& remove) const {
    auto outcome = service_.remove_lock(caller_, remove.id);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    return ok("Lock " + policy::sanitize(remove.id) + " removed.\n");
  }

  CommandResult operator()(const cmd::Watch&) const { return {"", "", exit_ok, true}; }

  // ---- Sessions (issue 13, section 2)
  CommandResult operator()(const cmd::SessionList& list) const {
    const config::Config& config = service_.config();
    const config::User& caller = *caller_.user;
    if (!list.user.empty() && list.user != caller.name && !is_auditor(config, caller) &&
        !reviews_anything(caller)) {
      return refused("you may see only your own sessions; " + list.user +
                     "'s are for reviewers of their roles and audit roles");
    }
    const TimePoint now = service_.now();
    std::vector<SessionRow> rows = live_sessions_for(config, caller, live_rows(context_));
    if (!list.live_only) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
      const TimePoint since = list.since >= elapsed ? TimePoint{} : now - list.since;
      auto events = service_.history_of({"session.ended"}, since);
      for (auto it = events.rbegin(); it != events.rend(); ++it) {  // newest first
        if (auto row = session_from_event(*it)) rows.push_back(std::move(*row));
      }
    }
    std::erase_if(rows, [&](const SessionRow& row) {
      return !session_matches(list, row, now) || !may_see_session(config, caller, row.owner);
    });
    if (list.json) return ok(sessions_json(rows) + "\n");
    return ok(render_session_table(rows));
  }

  CommandResult operator()(const cmd::SessionWatch& watch) const {
    auto live = live_session(watch.id);
    if (auto* refusal = std::get_if<CommandResult>(&live)) return *refusal;
    const auto& row = std::get<SessionRow>(live);
    if (!row.pty) {
      return refused("session " + row.id + " has no terminal to watch (it runs " +
                     (row.command.empty() ? row.kind : row.command) + ")");
    }
    CommandResult result = ok("watching " + policy::sanitize(row.owner.person) + "'s session " +
                              policy::sanitize(row.login + "@" + row.target) +
                              " (read-only; q or Ctrl-C to stop)\n");
    result.watch_session = row.id;
    return result;
  }

  CommandResult operator()(const cmd::SessionKill& kill) const {
    auto live = live_session(kill.id);
    if (auto* refusal = std::get_if<CommandResult>(&live)) return *refusal;
    const auto& row = std::get<SessionRow>(live);
    const config::User& caller = *caller_.user;
    if (row.owner.person == caller.name) {
      return refused("session " + row.id + " is your own: exit it to end it");
    }
    if (!may_kill_session(service_.config(), caller, row.owner)) {
      return refused("only reviewers of its roles and admins may end " + row.owner.person +
                     "'s session " + row.id);
    }
    const std::string message = "holdgate: your session was ended by " + caller.name + ": " +
                                policy::sanitize(kill.reason);
    if (!context_.kill_session || !context_.kill_session(row.id, message)) {
      return refused("session " + row.id + " has already ended");
    }
    JsonWriter details;
    details.begin_object().key("session").value(row.id).key("person").value(row.owner.person)
        .key("reason").value(kill.reason).end_object();
    service_.record({service_.now(), "session.killed", caller.name, caller_.source,
                     row.login + "@" + row.target, details.str()});
    return ok("Session " + policy::sanitize(row.id) + " of " + policy::sanitize(row.owner.person) +
              " (" + policy::sanitize(row.login + "@" + row.target) + ") ended: " +
              policy::sanitize(kill.reason) + "\n");
  }

  // ---- Recorded sessions
  CommandResult operator()(const cmd::SessionPlay& play) const {
    return run_session_replay(service_, caller_, SessionReplay::Kind::play, play.id, play.speed);
  }
  CommandResult operator()(const cmd::SessionExport& exported) const {
    return run_session_replay(service_, caller_, SessionReplay::Kind::export_cast, exported.id, 1,
                              exported.stream);
  }

  CommandResult operator()(const cmd::History& history) const {
    // A --since longer than the clock has run (since 1970) means everything; subtracting it
    // could overflow the clock's nanoseconds (292 years) and wrap into the future.
    const TimePoint now = service_.now();
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    const TimePoint since = history.since >= elapsed ? TimePoint{} : now - history.since;
    auto events = service_.history(since);
    // Only what concerns the caller, unless they audit: the requests they may see, the events
    // about those, and what they did themselves (their own logins).
    const config::Config& config = service_.config();
    std::vector<AccessRequest> visible;
    std::set<std::string> visible_ids;
    for (auto& request : service_.list(caller_, ListScope::all)) {
      if (!may_see_request(config, *caller_.user, request)) continue;
      visible_ids.insert(request.id);
      visible.push_back(std::move(request));
    }
    std::erase_if(events, [&](const storage::AuditEvent& event) {
      return !may_see_event(config, *caller_.user, event, visible_ids);
    });
    if (history.json) return ok(history_json(events) + "\n");
    // Requests resolved in the window, oldest resolution first like the events above them.
    std::vector<AccessRequest> resolved;
    for (auto& request : visible) {
      if (request.state != RequestState::pending && request.resolved && *request.resolved >= since) {
        resolved.push_back(std::move(request));
      }
    }
    std::stable_sort(resolved.begin(), resolved.end(), [](const auto& a, const auto& b) {
      return *a.resolved < *b.resolved;
    });
    return ok(render_history(events, resolved, since, progress_fn()));
  }

 private:
  // Whether any of the caller's roles reviews anything: only then may they ask for another
  // person's sessions by name (and see those of the roles they review).
  bool reviews_anything(const config::User& user) const {
    return std::any_of(user.roles.begin(), user.roles.end(), [&](const std::string& name) {
      const config::Role* role = service_.config().find_role(name);
      return role != nullptr && role->review && !role->review->roles.empty();
    });
  }

  // The live session `id` the caller may see, or the one sentence why not: no such session
  // (or one that has ended), or not theirs to see.
  std::variant<SessionRow, CommandResult> live_session(const std::string& id) const {
    std::vector<SessionRow> rows = live_rows(context_);
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& row) { return row.id == id; });
    if (it != rows.end()) {
      if (!may_see_session(service_.config(), *caller_.user, it->owner)) {
        return refused("session " + id + " is neither yours nor one you may review");
      }
      return std::move(*it);
    }
    for (const auto& event : service_.history_of({"session.ended"}, TimePoint{})) {
      auto row = session_from_event(event);
      if (row && row->id == id && may_see_session(service_.config(), *caller_.user, row->owner)) {
        return refused("session " + id + " is not live: it ended at " +
                       table_time(event.at));
      }
    }
    return refused("no live session " + id + " (session list --live shows them)");
  }

  // The one refusal for a request the caller may not see, whatever they asked of it.
  std::optional<CommandResult> hidden_from_caller(const AccessRequest& request) const {
    if (may_see_request(service_.config(), *caller_.user, request)) return std::nullopt;
    return refused("request " + request.id + " is neither yours nor one you may review");
  }
  std::optional<CommandResult> hidden_from_caller(const std::string& id) const {
    auto outcome = service_.show(id);
    if (auto* request = std::get_if<AccessRequest>(&outcome)) return hidden_from_caller(*request);
    return std::nullopt;  // no such request: the command itself says so
  }

  Progress progress_of(const AccessRequest& request) const {
    return progress(service_.config(), request);
  }
  ProgressFn progress_fn() const {
    return [this](const AccessRequest& request) { return progress_of(request); };
  }
  bool waiting(const std::string& id) const { return context_.waiting && context_.waiting(id); }

  RequestService& service_;
  const Caller& caller_;
  const CommandContext& context_;
};

}  // namespace

CommandResult created_result(const config::Config& config, const AccessRequest& request,
                             std::string_view invocation) {
  const Progress progress = approvals::progress(config, request);
  // Break-glass is granted as it is made, so its creation is the news, not its state.
  if (request.break_glass()) return ok(render_created(request, progress, invocation));
  switch (request.state) {
    case RequestState::pending: return ok(render_created(request, progress, invocation));
    case RequestState::denied: {
      std::string why = hook_denial(request);
      if (why.empty()) why = "denied: " + request.resolution_reason;
      return refused("request " + request.id + " was " + why);
    }
    default: return ok(render_reviewed(request, progress, Decision::approve));
  }
}

CommandResult run_command(std::string_view command_line, RequestService& service,
                          const Caller& caller, const CommandContext& context) {
  auto parsed = parse_command_line(command_line, context.invocation);
  if (auto* error = std::get_if<UsageError>(&parsed)) return usage_error(*error);
  return run_parsed_command(std::get<Command>(parsed), service, caller, context);
}

CommandResult run_parsed_command(const Command& command, RequestService& service,
                                 const Caller& caller, const CommandContext& context) {
  if (!std::holds_alternative<cmd::Help>(command) && caller.user == nullptr) {
    return refused("you are not a configured user");
  }
  return std::visit(Runner(service, caller, context), command);
}

std::vector<SessionRow> live_rows(const CommandContext& context) {
  return context.live_sessions ? context.live_sessions() : std::vector<SessionRow>{};
}

std::string watch_line(const config::Config& config, const RequestChange& change) {
  return change_json(config, change) + "\n";
}

bool watch_concerns(const config::Config& config, std::string_view user,
                    const RequestChange& change) {
  return change.request.user == user || may_review(config, user, change.request);
}

}  // namespace holdgate::approvals
