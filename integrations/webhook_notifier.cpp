#include "integrations/webhook_notifier.hpp"

#include "approvals/fair_drop_queue.hpp"
#include "approvals/webhook_payload.hpp"
#include "integrations/http_post.hpp"
#include "integrations/tls.hpp"

namespace holdgate::integrations {

namespace {

struct Delivery {
  std::string requester;  // whose request: a share of the queue is theirs
  std::string event;
  std::string request_id;
  std::string body;  // formatted when the change happened, so it shows the request as it was then
};

// Where a webhook points, for logs and the audit trail: scheme, host and port only. The path of
// a Slack (and many another) webhook URL is its secret and must not end up in logs.
std::string endpoint_label(const config::HttpUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return (url.https ? "https://" : "http://") + host + ":" + std::to_string(url.port);
}

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + "s"; }

}  // namespace

struct WebhookNotifier::Endpoint {
  Endpoint(asio::io_context& io, std::size_t index, const config::Webhook& webhook,
           StorageWorker& service, EventLog& log, WebhookOptions options)
      : index(std::to_string(index)),
        label(endpoint_label(webhook.endpoint)),
        webhook(webhook),
        service(service),
        log(log),
        options(options),
        queue(options.queue_limit),
        wake(io),
        pause(io) {}

  const std::string index;  // position in notify.webhooks, for logs
  const std::string label;
  const config::Webhook& webhook;
  StorageWorker& service;  // used only while !stopped: it outlives the notifier
  EventLog& log;
  const WebhookOptions options;
  std::unique_ptr<asio::ssl::context> tls;     // https only
  approvals::FairDropQueue<Delivery> queue;  // waiting; the one being tried is not in here
  asio::steady_timer wake;   // the drain loop sleeps on it while the queue is empty
  asio::steady_timer pause;  // between attempts
  bool stopped = false;

  void enqueue(Delivery delivery) {
    std::string requester = delivery.requester;
    if (auto dropped = queue.push(std::move(requester), std::move(delivery))) {
      log.write("webhook-dropped", {{"webhook", index}, {"endpoint", label},
                                    {"change", dropped->event}, {"request", dropped->request_id},
                                    {"reason", "queue full (" +
                                                   std::to_string(queue.limit()) + ")"}});
    }
    wake.cancel();
  }

  void failed(const Delivery& delivery, int attempts, const std::string& problem) {
    const std::string attempts_text = std::to_string(attempts);
    log.write("webhook-failed", {{"webhook", index}, {"endpoint", label},
                                 {"change", delivery.event}, {"request", delivery.request_id},
                                 {"attempts", attempts_text}, {"reason", problem}});
    service.record({std::chrono::system_clock::now(), "webhook.failed", "holdgate", "", delivery.request_id,
                    "webhooks[" + index + "] " + label + ": " + delivery.event +
                        " not delivered after " + attempts_text +
                        (attempts == 1 ? " attempt: " : " attempts: ") + problem});
  }
};

namespace {

// Tries one delivery until it succeeds, fails for good, or the notifier stops.
awaitable<void> deliver(std::shared_ptr<WebhookNotifier::Endpoint> e, Delivery delivery) {
  const auto& delays = e->webhook.retry_delays;
  const int max_attempts = 1 + static_cast<int>(delays.size());
  for (int attempt = 1;; ++attempt) {
    auto result = co_await http_post(e->webhook.endpoint, e->tls.get(), delivery.body,
                                     e->options.attempt_timeout);
    if (e->stopped) co_return;
    const std::string attempt_text = std::to_string(attempt);
    if (result.ok()) {
      e->log.write("webhook", {{"webhook", e->index}, {"endpoint", e->label},
                               {"change", delivery.event}, {"request", delivery.request_id},
                               {"result", "delivered"}, {"attempts", attempt_text}});
      co_return;
    }
    if (!result.retry || attempt >= max_attempts) {
      e->failed(delivery, attempt, result.problem);
      co_return;
    }
    const auto delay = delays[static_cast<std::size_t>(attempt - 1)];
    e->log.write("webhook", {{"webhook", e->index}, {"endpoint", e->label},
                             {"change", delivery.event}, {"request", delivery.request_id},
                             {"result", "retry"}, {"attempt", attempt_text},
                             {"next_in", seconds_text(delay)}, {"reason", result.problem}});
    e->pause.expires_after(delay);
    error_code ec;
    co_await e->pause.async_wait(asio::redirect_error(use_awaitable, ec));
    if (e->stopped) co_return;
  }
}

// One per webhook: deliveries go out in order, one at a time, so a slow receiver costs one
// connection, and a queue behind it, never more.
awaitable<void> drain(std::shared_ptr<WebhookNotifier::Endpoint> e) {
  while (!e->stopped) {
    if (e->queue.empty()) {
      e->wake.expires_at(asio::steady_timer::time_point::max());
      error_code ec;
      co_await e->wake.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    co_await deliver(e, *e->queue.pop());
  }
}

}  // namespace

std::variant<std::unique_ptr<WebhookNotifier>, std::string> WebhookNotifier::create(
    asio::io_context& io, std::shared_ptr<const config::Config> snapshot, StorageWorker& service,
    EventLog& log, std::string approvals_command, WebhookOptions options) {
  std::unique_ptr<WebhookNotifier> notifier(new WebhookNotifier());
  notifier->config_ = snapshot;
  notifier->endpoints_config_ = snapshot;
  const config::Config& config = *snapshot;
  notifier->approvals_command_ = std::move(approvals_command);
  for (std::size_t i = 0; i < config.notify.webhooks.size(); ++i) {
    const auto& webhook = config.notify.webhooks[i];
    auto endpoint = std::make_shared<Endpoint>(io, i, webhook, service, log, options);
    if (webhook.endpoint.https) {
      auto tls = make_tls_client_context(webhook.ca_file);
      if (auto* error = std::get_if<std::string>(&tls)) {
        return "notify.webhooks[" + std::to_string(i) + "]: " + *error;
      }
      endpoint->tls = std::move(std::get<std::unique_ptr<asio::ssl::context>>(tls));
    }
    notifier->endpoints_.push_back(endpoint);
  }
  for (const auto& endpoint : notifier->endpoints_) {
    asio::co_spawn(io, drain(endpoint), [endpoint](std::exception_ptr error) {
      if (!error || endpoint->stopped) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        endpoint->log.write("webhook-error", {{"webhook", endpoint->index},
                                              {"endpoint", endpoint->label},
                                              {"reason", e.what()}});
      }
    });
  }
  if (!notifier->endpoints_.empty()) {
    notifier->subscription_ = service.events().subscribe(
        [raw = notifier.get()](const approvals::RequestChange& change) { raw->on_change(change); });
  }
  return notifier;
}

WebhookNotifier::~WebhookNotifier() {
  for (const auto& endpoint : endpoints_) {
    endpoint->stopped = true;
    endpoint->queue.clear();
    endpoint->wake.cancel();
    endpoint->pause.cancel();
  }
}

std::size_t WebhookNotifier::queued() const {
  std::size_t total = 0;
  for (const auto& endpoint : endpoints_) total += endpoint->queue.size();
  return total;
}

void WebhookNotifier::notify_checkpoint(const audit::Checkpoint& checkpoint) {
  for (const auto& endpoint : endpoints_) {
    if (!endpoint->webhook.events.checkpoint) continue;
    endpoint->enqueue({"holdgate", "audit.checkpoint", "",
                       endpoint->webhook.format == config::Webhook::Format::slack
                           ? audit::checkpoint_slack(checkpoint)
                           : audit::checkpoint_json(checkpoint)});
  }
}

void WebhookNotifier::on_change(const approvals::RequestChange& change) {
  // Another bastion's change: that bastion sent it already, and each receiver wants it once.
  if (change.remote) return;
  for (const auto& endpoint : endpoints_) {
    if (!approvals::webhook_wants(endpoint->webhook.events, change.event)) continue;
    endpoint->enqueue({change.request.user, change.event, change.request.id,
                       approvals::webhook_payload(*config_, endpoint->webhook.format, change,
                                                  approvals_command_)});
  }
}

}  // namespace holdgate::integrations
