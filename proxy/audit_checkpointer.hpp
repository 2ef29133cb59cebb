// Signs audit checkpoints (audit/checkpoint.hpp) off the hot path: a timer on the loop looks at
// the newest audit event once a second (one indexed read, on the storage worker) and, when `audit:` says one is due,
// signs its id and hash (one Ed25519 signature), writes the line to the log and hands it to the
// webhooks. The newest event is read from the database, so events other writers appended count.
#pragma once

#include <functional>

#include "audit/checkpoint.hpp"
#include "audit/signing_key.hpp"
#include "config/config.hpp"
#include "runtime/event_log.hpp"
#include "runtime/net.hpp"
#include "runtime/storage_worker.hpp"

namespace holdgate::proxy {

class AuditCheckpointer {
 public:
  using Publish = std::function<void(const audit::Checkpoint&)>;

  AuditCheckpointer(asio::io_context& io, const config::AuditSettings& settings,
                    StorageWorker& storage, audit::SigningKey key, EventLog& log, Publish publish);

  // Runs until stop(); signs once more on the way out when events came since the last one.
  awaitable<void> run();
  awaitable<void> stop();

 private:
  awaitable<void> sign_if_due(bool final);

  const config::AuditSettings& settings_;
  StorageWorker& storage_;
  audit::SigningKey key_;
  std::string public_key_;
  EventLog& log_;
  Publish publish_;
  asio::steady_timer tick_;
  audit::CheckpointClock last_;
  bool stopped_ = false;
};

}  // namespace holdgate::proxy
