#include "metrics_service.hpp"

#include <numeric>

namespace holdgate::proxy {

std::variant<std::unique_ptr<MetricsService>, std::string> MetricsService::start(
    asio::io_context& io, const config::Address& listen, EventLog& log, StorageWorker& storage,
    const LiveSessions& live, const WaitingRegistry& waiting, const integrations::Integrations& outbound) {
  std::unique_ptr<MetricsService> service(new MetricsService(log));
  auto* metrics = &service->metrics_;
  service->server_ = std::make_unique<web::MetricsServer>(io, [metrics] { return metrics->render(); }, log);
  if (auto error = service->server_->start(listen)) return *error;

  metrics->watch([&live] { return static_cast<double>(live.rows().size()); },
                 [&waiting] {
                   // Each value is how many people wait on that request.
                   return static_cast<double>(std::accumulate(
                       waiting.begin(), waiting.end(), 0,
                       [](int sum, const auto& entry) { return sum + entry.second; }));
                 },
                 [&outbound] {
                   return outbound.webhooks ? static_cast<double>(outbound.webhooks->queued()) : 0.0;
                 });
  log.set_tap([metrics](std::string_view event, const std::vector<EventLog::Field>& fields) {
    metrics->on_event(event, fields);
  });
  service->subscription_ = storage.events().subscribe([metrics](const approvals::RequestChange& change) {
    metrics->on_request_change(change, std::chrono::system_clock::now());
  });
  service->server_->run();
  return service;
}

MetricsService::~MetricsService() {
  log_.set_tap({});
  if (server_) server_->stop();
}

}  // namespace holdgate::proxy
