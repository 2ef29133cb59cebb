// Webhooks and approval hooks, started together once the request service exists, so the server
// needs one member and one call for both.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "runtime/storage_worker.hpp"
#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "integrations/hook_runner.hpp"
#include "runtime/net.hpp"
#include "integrations/webhook_notifier.hpp"

namespace holdgate::integrations {

struct Integrations {
  std::unique_ptr<WebhookNotifier> webhooks;
  std::unique_ptr<HookRunner> hooks;
};

// Both subscribed to `service`'s changes; they must be destroyed before it. An error (an
// unreadable ca_file, a hook that is not an executable file) is one sentence for the operator.
std::variant<Integrations, std::string> start_integrations(asio::io_context& io,
                                                           std::shared_ptr<const config::Config> config,
                                                           StorageWorker& service,
                                                           EventLog& log,
                                                           std::string approvals_command);

}  // namespace holdgate::integrations
