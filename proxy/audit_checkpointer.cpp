#include "audit_checkpointer.hpp"

#include "storage/audit_chain.hpp"

namespace holdgate::proxy {

AuditCheckpointer::AuditCheckpointer(asio::io_context& io, const config::AuditSettings& settings,
                                     StorageWorker& storage, audit::SigningKey key, EventLog& log,
                                     Publish publish)
    : settings_(settings),
      storage_(storage),
      key_(std::move(key)),
      public_key_(storage::to_hex(key_.public_key())),
      log_(log),
      publish_(std::move(publish)),
      tick_(io) {
  last_.signed_at = std::chrono::steady_clock::now();
}

awaitable<void> AuditCheckpointer::sign_if_due(bool final) {
  auto newest = co_await storage_.run([](approvals::RequestService& service) { return service.latest_audit(); });
  if (!newest) co_return;
  const auto now = std::chrono::steady_clock::now();
  const bool due = final ? newest->id > last_.signed_id
                         : audit::checkpoint_due(settings_, last_, newest->id, now);
  if (!due) co_return;
  audit::Checkpoint checkpoint;
  checkpoint.id = newest->id;
  checkpoint.hash = newest->hash;
  checkpoint.key = public_key_;
  checkpoint.signature =
      storage::to_hex(key_.sign(audit::checkpoint_message(newest->id, newest->hash)));
  last_ = {newest->id, now};
  const std::string id = std::to_string(checkpoint.id);
  log_.write("audit.checkpoint", {{"id", id}, {"hash", checkpoint.hash}, {"key", checkpoint.key},
                                  {"signature", checkpoint.signature}});
  if (publish_) publish_(checkpoint);
}

awaitable<void> AuditCheckpointer::run() {
  if (settings_.checkpoint_every == 0 && settings_.checkpoint_interval.count() == 0) co_return;
  while (!stopped_) {
    try {
      co_await sign_if_due(false);
    } catch (const std::exception& e) {
      // A busy or failing database is tried again on the next tick; the log says why.
      log_.write("audit-checkpoint-error", {{"reason", e.what()}});
    }
    tick_.expires_after(std::chrono::seconds(1));
    error_code ec;
    co_await tick_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

awaitable<void> AuditCheckpointer::stop() {
  if (stopped_) co_return;
  stopped_ = true;
  tick_.cancel();
  if (settings_.checkpoint_every == 0 && settings_.checkpoint_interval.count() == 0) co_return;
  try {
    co_await sign_if_due(true);
  } catch (const std::exception& e) {
    log_.write("audit-checkpoint-error", {{"reason", e.what()}});
  }
}

}  // namespace holdgate::proxy
