// Delivers request changes to the configured webhooks (notify.webhooks) without ever holding
// anyone up: the service's listener only formats the payload and queues it; one coroutine per
// webhook drains its own queue, retrying with backoff. A queue that grows past its bound drops
// its oldest delivery (logged); a delivery that fails every attempt is logged and audited
// ("webhook.failed"), then the queue moves on.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "runtime/storage_worker.hpp"
#include "audit/checkpoint.hpp"
#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "runtime/net.hpp"

namespace holdgate::integrations {

struct WebhookOptions {
  std::size_t queue_limit = 100;                               // per webhook
  std::chrono::milliseconds attempt_timeout = std::chrono::seconds(10);  // one POST, end to end
};

class WebhookNotifier {
 public:
  // Prepares every webhook (TLS trust stores) and subscribes to the service's changes. An error
  // (an unreadable ca_file) is one sentence for the operator. `approvals_command` is how people
  // reach the approvals channel ("ssh -p 2222 approvals@bastion"), for Slack's approve line.
  static std::variant<std::unique_ptr<WebhookNotifier>, std::string> create(
      asio::io_context& io, std::shared_ptr<const config::Config> config, StorageWorker& service,
      EventLog& log, std::string approvals_command, WebhookOptions options = {});

  // A reload that left the webhooks as they were: new changes' payloads are written from
  // `config` (the endpoints keep the settings they were made with, and that snapshot).
  void set_config(std::shared_ptr<const config::Config> config) { config_ = std::move(config); }

  // Deliveries still queued are dropped: they are best effort, and never delay a shutdown.
  ~WebhookNotifier();

  // Queues a signed audit checkpoint for every webhook that wants audit.checkpoint.
  void notify_checkpoint(const audit::Checkpoint& checkpoint);

  // Deliveries waiting, all webhooks together (the one being tried is not counted).
  std::size_t queued() const;

  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  struct Endpoint;  // one webhook's settings, trust store, queue and timers (webhook_notifier.cpp)

 private:
  WebhookNotifier() = default;
  void on_change(const approvals::RequestChange& change);

  std::shared_ptr<const config::Config> config_;  // the newest, for payloads
  std::shared_ptr<const config::Config> endpoints_config_;  // what endpoints_' settings point into
  std::string approvals_command_;
  std::vector<std::shared_ptr<Endpoint>> endpoints_;
  approvals::RequestEvents::Subscription subscription_;
};

}  // namespace holdgate::integrations
