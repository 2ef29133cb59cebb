// `metrics:` put together: the bastion's metrics, fed by the event log and the request service,
// and the HTTP endpoint that serves them. The server holds one when metrics are configured.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "bastion_metrics.hpp"
#include "config/config.hpp"
#include "escalation.hpp"
#include "runtime/event_log.hpp"
#include "integrations/integrations.hpp"
#include "live_sessions.hpp"
#include "web/metrics_server.hpp"
#include "runtime/net.hpp"
#include "runtime/storage_worker.hpp"

namespace holdgate::proxy {

class MetricsService {
 public:
  // Binds `listen` and starts counting. An error (a bind failure) is one sentence for the
  // operator. Everything passed in must outlive the service.
  static std::variant<std::unique_ptr<MetricsService>, std::string> start(
      asio::io_context& io, const config::Address& listen, EventLog& log, StorageWorker& storage,
      const LiveSessions& live, const WaitingRegistry& waiting, const integrations::Integrations& outbound);

  ~MetricsService();  // stops the log's tap
  MetricsService(const MetricsService&) = delete;
  MetricsService& operator=(const MetricsService&) = delete;

  BastionMetrics& metrics() { return metrics_; }
  void stop() { server_->stop(); }

 private:
  explicit MetricsService(EventLog& log) : log_(log) {}

  EventLog& log_;
  BastionMetrics metrics_;
  std::unique_ptr<web::MetricsServer> server_;
  approvals::RequestEvents::Subscription subscription_;
};

}  // namespace holdgate::proxy
