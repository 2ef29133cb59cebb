#include "runtime/storage_worker.hpp"

namespace holdgate {

StorageWorker::StorageWorker(asio::io_context& loop, std::shared_ptr<const config::Config> config,
                             std::unique_ptr<storage::Store> store, EventLog& log, Limits limits)
    : loop_(loop),
      config_(std::move(config)),
      log_(log),
      limits_(limits),
      keep_running_(worker_io_.get_executor()),
      store_(std::move(store)),
      service_(std::make_unique<approvals::RequestService>(
          *config_, *store_, [] { return std::chrono::system_clock::now(); }, approvals::random_uuid)) {
  // Posted in publishing order onto the loop, which runs them in that order.
  forward_ = service_->events().subscribe([this](const approvals::RequestChange& change) {
    asio::post(loop_, [this, change] { events_.publish(change); });
  });
  service_->set_config(config_);
  thread_ = std::thread([this] { worker_io_.run(); });
}

void StorageWorker::set_config(std::shared_ptr<const config::Config> config) {
  config_ = config;
  // The worker's own reference: the old snapshot lives on there until this has run.
  asio::post(worker_io_, [this, config = std::move(config)]() mutable {
    service_->set_config(std::move(config));
  });
}

StorageWorker::~StorageWorker() {
  keep_running_.reset();
  thread_.join();
  forward_ = {};
}

void StorageWorker::post(std::string what, std::function<void(approvals::RequestService&)> f) {
  asio::post(worker_io_, [this, what = std::move(what), f = std::move(f)] {
    try {
      f(*service_);
    } catch (const std::exception& e) {
      log_failure(what + ": " + e.what());
    }
  });
}

void StorageWorker::record(storage::AuditEvent event) {
  std::string what = "audit event " + event.kind;
  post(std::move(what), [event = std::move(event)](approvals::RequestService& service) {
    service.record(event);
  });
}

void StorageWorker::log_failure(const std::string& reason) {
  asio::post(loop_, [this, reason] { log_.write("storage-failed", {{"reason", reason}}); });
}

StorageWorker::Place::Place(StorageWorker& worker, std::string owner)
    : queue_(worker.queue_), owner_(std::move(owner)) {
  Queue& queue = *queue_;
  auto& mine = queue.by_owner[owner_];
  const bool full = queue.queued >= worker.limits_.queue_limit || mine >= worker.limits_.owner_limit;
  if (queue.failing && full) {
    if (mine == 0) queue.by_owner.erase(owner_);
    worker.log_.write("storage-busy", {{"owner", owner_}, {"queued", std::to_string(queue.queued)}});
    throw StorageUnreachable();
  }
  ++mine;
  ++queue.queued;
}

StorageWorker::Place::~Place() {
  --queue_->queued;
  auto it = queue_->by_owner.find(owner_);
  if (--it->second == 0) queue_->by_owner.erase(it);
}

}  // namespace holdgate
