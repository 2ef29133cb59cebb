// Approval hooks (config approvals.hooks): when a request is created, every hook program is run
// with the request on stdin (approvals::hook_input) and its verdict applied as reviewer
// "hook:NAME" (RequestService::review_as_hook). A hook that times out, crashes, exits non-zero
// or prints anything but a valid verdict answers `none` (recorded, since `hooks: required`
// waits for every answer, but it approves and denies nothing), and the log says what went wrong.
// Hooks run concurrently, at most limits.max_hook_processes at a time (the rest wait their
// turn), and never block the event loop.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "runtime/storage_worker.hpp"
#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "integrations/hook_process.hpp"
#include "runtime/net.hpp"

namespace holdgate::integrations {

// What running hooks' coroutines need, and whether the runner still exists (hook_runner.cpp).
struct HookRunnerState;

class HookRunner {
 public:
  HookRunner(asio::io_context& io, std::shared_ptr<const config::Config> config,
             StorageWorker& service, EventLog& log);
  // A reload that left the hooks as they were: new requests' input is written from `config`.
  void set_config(std::shared_ptr<const config::Config> config);
  // Kills hook programs still running: their verdicts would have nowhere to go.
  ~HookRunner();

  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // Start-up check: every hook's exec is an executable regular file. One sentence, or nullopt.
  static std::optional<std::string> check(const config::Config& config);
  static std::optional<std::string> check(const config::ApprovalHook& hook);

 private:
  void on_created(const approvals::RequestChange& change);

  std::shared_ptr<HookRunnerState> shared_;
  approvals::RequestEvents::Subscription subscription_;
};

}  // namespace holdgate::integrations
