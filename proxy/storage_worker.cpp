#include "storage_worker.hpp"

namespace holdgate::proxy {

StorageWorker::StorageWorker(asio::io_context& loop, const config::Config& config,
                             std::unique_ptr<storage::Store> store, EventLog& log, Limits limits)
    : loop_(loop),
      config_(config),
      log_(log),
      limits_(limits),
      keep_running_(worker_io_.get_executor()),
      store_(std::move(store)),
      service_(std::make_unique<approvals::RequestService>(
          config, *store_, [] { return std::chrono::system_clock::now(); }, approvals::random_uuid)) {
  // Posted in publishing order onto the loop, which runs them in that order.
  forward_ = service_->events().subscribe([this](const approvals::RequestChange& change) {
    asio::post(loop_, [this, change] { events_.publish(change); });
  });
  thread_ = std::thread([this] { worker_io_.run(); });
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
    : worker_(worker), owner_(std::move(owner)) {
  auto& mine = worker_.queued_by_owner_[owner_];
  const bool full = worker_.queued_ >= worker_.limits_.queue_limit || mine >= worker_.limits_.owner_limit;
  if (worker_.failing_ && full) {
    if (mine == 0) worker_.queued_by_owner_.erase(owner_);
    worker_.log_.write("storage-busy", {{"owner", owner_}, {"queued", std::to_string(worker_.queued_)}});
    throw StorageUnreachable();
  }
  ++mine;
  ++worker_.queued_;
}

StorageWorker::Place::~Place() {
  --worker_.queued_;
  auto it = worker_.queued_by_owner_.find(owner_);
  if (--it->second == 0) worker_.queued_by_owner_.erase(it);
}

}  // namespace holdgate::proxy
