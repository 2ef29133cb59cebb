#include "integrations/hook_runner.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "approvals/hook_protocol.hpp"
#include "approvals/hook_review.hpp"
#include "approvals/waiting_line.hpp"

namespace holdgate::integrations {

// One hook program to run for one request.
struct HookJob {
  config::ApprovalHook hook;
  std::string input;
  std::string request_id;
};

struct HookRunnerState {
  asio::io_context& io;
  std::shared_ptr<const config::Config> config;  // the newest (set_config); never null
  StorageWorker& service;
  EventLog& log;
  bool stopped = false;  // set by ~HookRunner: service and log may be gone after that
  LiveProcessGroups live = std::make_shared<std::set<pid_t>>();
  // limits.max_hook_processes at a time; the others wait, in the order requests came.
  approvals::WaitingLine<HookJob> line{static_cast<std::size_t>(config->limits.max_hook_processes)};
};

namespace {

// The first line of what the program said on stderr, for the log: usually the error.
std::string first_line(const std::string& text) {
  auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return {};
  auto end = text.find('\n', start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

const char* decision_word(approvals::HookDecision decision) {
  switch (decision) {
    case approvals::HookDecision::approve: return "approve";
    case approvals::HookDecision::deny: return "deny";
    case approvals::HookDecision::none: break;
  }
  return "none";
}

awaitable<void> run_hook(std::shared_ptr<HookRunnerState> shared, config::ApprovalHook hook,
                         std::string input, std::string request_id);

// Runs `job`, then whichever job waits next, until none waits.
void start(const std::shared_ptr<HookRunnerState>& shared, HookJob job) {
  auto name = job.hook.name;
  asio::co_spawn(shared->io,
                 run_hook(shared, std::move(job.hook), std::move(job.input),
                          std::move(job.request_id)),
                 [shared, name = std::move(name)](std::exception_ptr error) {
                   if (shared->stopped) return;
                   if (error) {
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       shared->log.write("hook", {{"hook", name}, {"result", "none"},
                                                  {"problem", e.what()}});
                     }
                   }
                   if (auto next = shared->line.finished()) start(shared, std::move(*next));
                 });
}

}  // namespace

void HookRunner::set_config(std::shared_ptr<const config::Config> config) {
  shared_->config = std::move(config);
}

HookRunner::HookRunner(asio::io_context& io, std::shared_ptr<const config::Config> config,
                       StorageWorker& service, EventLog& log)
    : shared_(std::make_shared<HookRunnerState>(HookRunnerState{io, config, service, log})) {
  if (config->approvals.hooks.empty()) return;
  subscription_ = service.events().subscribe([this](const approvals::RequestChange& change) {
    // Another bastion's request: its own hooks answer it there (once, not once per bastion).
    if (change.event == "request.created" && !change.remote) on_created(change);
  });
}

HookRunner::~HookRunner() {
  shared_->stopped = true;
  for (pid_t group : *shared_->live) ::kill(-group, SIGKILL);
}

std::optional<std::string> HookRunner::check(const config::Config& config) {
  for (const auto& hook : config.approvals.hooks) {
    if (auto problem = check(hook)) return problem;
  }
  return std::nullopt;
}

std::optional<std::string> HookRunner::check(const config::ApprovalHook& hook) {
  struct stat st {};
  const std::string where = "approval hook '" + hook.name + "': " + hook.exec.string();
  if (::stat(hook.exec.c_str(), &st) != 0) return where + " does not exist";
  if (!S_ISREG(st.st_mode)) return where + " is not a file";
  // access(X_OK) as root passes a file with any x bit; with none it fails, as exec would.
  if (::access(hook.exec.c_str(), X_OK) != 0) return where + " is not executable";
  return std::nullopt;
}

void HookRunner::on_created(const approvals::RequestChange& change) {
  // Called from inside the service's publish(): only start the work here. The hooks' verdicts
  // come back later, through review_as_hook, like any reviewer's.
  const std::string input = approvals::hook_input(*shared_->config, change);
  for (const auto& hook : shared_->config->approvals.hooks) {
    if (auto job = shared_->line.arrive({hook, input, change.request.id})) {
      start(shared_, std::move(*job));
    }
  }
}

namespace {

awaitable<void> run_hook(std::shared_ptr<HookRunnerState> shared, config::ApprovalHook hook,
                         std::string input, std::string request_id) {
  ProcessLimits limits;
  limits.timeout = hook.timeout;
  limits.max_stdout = approvals::max_hook_output;
  // Nothing of holdgate's own environment: a hook learns what it needs from stdin.
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8",
                                  "HOLDGATE_HOOK=" + hook.name};
  auto result = co_await run_process(hook.exec, std::move(env), std::move(input), limits,
                                     shared->live);
  if (shared->stopped) co_return;

  auto& log = shared->log;
  auto& service = shared->service;
  const std::string stderr_line = first_line(result.err);
  std::string problem = result.problem(limits.timeout);
  approvals::HookVerdict verdict;
  if (problem.empty()) {
    auto parsed = approvals::parse_hook_output(result.out);
    if (auto* error = std::get_if<std::string>(&parsed)) problem = *error;
    else verdict = std::get<approvals::HookVerdict>(parsed);
  }
  // Every answer is recorded, `none` too (a failed hook answers none): a request whose role
  // says `hooks: required` counts its approvals only once every hook has answered.
  const char* word = decision_word(verdict.decision);
  auto review = [&](approvals::RequestService& requests) {
    return requests.review_as_hook(hook.name, request_id, verdict.decision, verdict.reason);
  };
  // The database may be away for a moment (restarted, or locked past the busy timeout): the
  // hook's answer cannot be asked for again, so it is tried again after 1, 2 and 4 s before it
  // is given up (then start() logs the sentence; the request waits for people, as with `none`).
  std::optional<std::invoke_result_t<decltype(review)&, approvals::RequestService&>> outcome;
  asio::steady_timer pause(shared->io);
  for (int attempt = 0; !outcome; ++attempt) {
    try {
      outcome = co_await service.run(review);
    } catch (const StorageUnreachable&) {
      if (attempt == 3) throw;
    }
    if (outcome) break;
    pause.expires_after(std::chrono::seconds(1 << attempt));
    error_code ec;
    co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
    if (shared->stopped) co_return;
  }
  if (shared->stopped) co_return;
  if (!problem.empty()) {
    // Treated as "none": a broken hook must never approve, and must not deny either (it would
    // turn an outage of the hook into an outage of every request).
    std::vector<EventLog::Field> fields = {{"hook", hook.name}, {"request", request_id},
                                           {"result", "none"}, {"problem", problem}};
    if (!stderr_line.empty()) fields.push_back({"stderr", stderr_line});
    log.write("hook", fields);
    service.record({std::chrono::system_clock::now(), "hook.failed", approvals::hook_reviewer(hook.name), "",
                    request_id, problem});
    co_return;
  }
  if (auto* error = std::get_if<approvals::ServiceError>(&*outcome)) {
    // Typically another hook or a person decided first.
    log.write("hook", {{"hook", hook.name}, {"request", request_id}, {"result", word},
                       {"applied", "no"}, {"problem", error->message}});
    co_return;
  }
  const auto& request = std::get<storage::AccessRequest>(*outcome);
  log.write("hook", {{"hook", hook.name}, {"request", request_id}, {"result", word},
                     {"reason", verdict.reason}, {"state", storage::to_string(request.state)}});
}

}  // namespace

}  // namespace holdgate::integrations
