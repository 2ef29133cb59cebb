#include "integrations/integrations.hpp"

namespace holdgate::integrations {

std::variant<Integrations, std::string> start_integrations(asio::io_context& io,
                                                           std::shared_ptr<const config::Config> config,
                                                           StorageWorker& service,
                                                           EventLog& log,
                                                           std::string approvals_command) {
  if (auto problem = HookRunner::check(*config)) return *problem;
  auto webhooks = WebhookNotifier::create(io, config, service, log, std::move(approvals_command));
  if (auto* problem = std::get_if<std::string>(&webhooks)) return *problem;
  Integrations started;
  started.webhooks = std::move(std::get<std::unique_ptr<WebhookNotifier>>(webhooks));
  started.hooks = std::make_unique<HookRunner>(io, config, service, log);
  return started;
}

}  // namespace holdgate::integrations
