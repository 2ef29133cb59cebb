#include "approvals/commands.hpp"

#include <algorithm>

#include "approvals/command_line.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {
namespace {

CommandResult ok(std::string out) { return {std::move(out), "", exit_ok, false}; }

// The service's sentences may quote what people typed (an unknown id, a role name); they are
// sanitised again here because this is where they reach a terminal.
CommandResult refused(std::string_view sentence) {
  return {"", "holdgate: " + policy::sanitize(sentence) + "\n", exit_refused, false};
}

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
    request.reviewers = create.reviewers;
    request.max_duration = create.max_duration;
    request.reason = create.reason;
    auto outcome = service_.create(caller_, request);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    const auto& created = std::get<AccessRequest>(outcome);
    return ok(render_created(created, progress_of(created), context_.invocation));
  }

  CommandResult operator()(const cmd::List& list) const {
    auto requests = service_.list(caller_, list.scope);
    if (list.json) return ok(requests_json(requests, progress_fn()) + "\n");
    return ok(render_request_table(requests, context_.waiting));
  }

  CommandResult operator()(const cmd::Show& show) const {
    auto outcome = service_.show(show.id);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    const auto& request = std::get<AccessRequest>(outcome);
    if (show.json) return ok(request_json(request, progress_of(request)) + "\n");
    return ok(render_request(request, progress_of(request), waiting(request.id)));
  }

  CommandResult operator()(const cmd::Review& review) const {
    auto outcome = service_.review(caller_, review.id, review.decision, review.reason);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    const auto& request = std::get<AccessRequest>(outcome);
    return ok(render_reviewed(request, progress_of(request), review.decision));
  }

  CommandResult operator()(const cmd::Cancel& cancel) const {
    auto outcome = service_.cancel(caller_, cancel.id);
    if (auto* error = std::get_if<ServiceError>(&outcome)) return refused(error->message);
    return ok(render_cancelled(std::get<AccessRequest>(outcome)));
  }

  CommandResult operator()(const cmd::Watch&) const { return {"", "", exit_ok, true}; }

  CommandResult operator()(const cmd::History& history) const {
    const TimePoint since = service_.now() - history.since;
    auto events = service_.history(since);
    if (history.json) return ok(history_json(events) + "\n");
    // Requests resolved in the window, oldest resolution first like the events above them.
    std::vector<AccessRequest> resolved;
    for (auto& request : service_.list(caller_, ListScope::all)) {
      if (request.state != RequestState::pending && request.resolved && *request.resolved >= since) {
        resolved.push_back(std::move(request));
      }
    }
    std::stable_sort(resolved.begin(), resolved.end(), [](const auto& a, const auto& b) {
      return *a.resolved < *b.resolved;
    });
    return ok(render_history(events, resolved, since));
  }

 private:
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

CommandResult run_command(std::string_view command_line, RequestService& service,
                          const Caller& caller, const CommandContext& context) {
  auto parsed = parse_command_line(command_line, context.invocation);
  if (auto* error = std::get_if<UsageError>(&parsed)) return usage_error(*error);
  const auto& command = std::get<Command>(parsed);
  if (!std::holds_alternative<cmd::Help>(command) && caller.user == nullptr) {
    return refused("you are not a configured user");
  }
  return std::visit(Runner(service, caller, context), command);
}

std::string watch_line(const config::Config& config, const RequestChange& change) {
  return change_json(config, change) + "\n";
}

bool watch_concerns(const config::Config& config, std::string_view user,
                    const RequestChange& change) {
  return change.request.user == user || may_review(config, user, change.request);
}

}  // namespace holdgate::approvals
