#include "storage/latency_store.hpp"

#include <thread>

namespace holdgate::storage {
namespace {

class LatencyStore final : public Store {
 public:
  LatencyStore(std::unique_ptr<Store> inner, std::chrono::milliseconds latency)
      : inner_(std::move(inner)), latency_(latency) {}

  std::variant<std::monostate, StoreError> create_request(const AccessRequest& request,
                                                          const AuditEvent& event) override {
    return wait(), inner_->create_request(request, event);
  }
  std::optional<AccessRequest> get_request(std::string_view id) override {
    return wait(), inner_->get_request(id);
  }
  std::vector<AccessRequest> list_requests(const RequestFilter& filter) override {
    return wait(), inner_->list_requests(filter);
  }
  RequesterActivity requester_activity(std::string_view user, TimePoint now,
                                       TimePoint since) override {
    return wait(), inner_->requester_activity(user, now, since);
  }
  WriteResult update_request(const AccessRequest& updated,
                             const std::vector<AuditEvent>& events) override {
    return wait(), inner_->update_request(updated, events);
  }
  std::vector<GrantRecord> active_grants(std::string_view user, TimePoint now) override {
    return wait(), inner_->active_grants(user, now);
  }
  std::optional<int> take_use(std::string_view request_id, TimePoint now,
                              const std::function<AuditEvent(int)>& event) override {
    return wait(), inner_->take_use(request_id, now, event);
  }
  std::variant<std::monostate, StoreError> create_lock(const LockRecord& lock,
                                                       const AuditEvent& event) override {
    return wait(), inner_->create_lock(lock, event);
  }
  WriteResult remove_lock(std::string_view id, std::string_view by, TimePoint at,
                          const AuditEvent& event) override {
    return wait(), inner_->remove_lock(id, by, at, event);
  }
  std::vector<LockRecord> active_locks(TimePoint now) override {
    return wait(), inner_->active_locks(now);
  }
  void append_audit(const AuditEvent& event) override {
    wait();
    inner_->append_audit(event);
  }
  std::vector<AuditEvent> audit_since(TimePoint since) override {
    return wait(), inner_->audit_since(since);
  }
  std::vector<AuditEvent> audit_of_kinds(const std::vector<std::string>& kinds,
                                         TimePoint since) override {
    return wait(), inner_->audit_of_kinds(kinds, since);
  }
  std::optional<AuditEvent> latest_audit() override { return wait(), inner_->latest_audit(); }
  std::vector<AuditEvent> audit_after(long after_id, std::size_t limit) override {
    return wait(), inner_->audit_after(after_id, limit);
  }
  void create_web_login(const WebLogin& login, TimePoint now) override {
    wait();
    inner_->create_web_login(login, now);
  }
  std::optional<WebLogin> take_web_login(std::string_view token_hash, TimePoint now) override {
    return wait(), inner_->take_web_login(token_hash, now);
  }
  void create_web_session(const WebSession& session, TimePoint now) override {
    wait();
    inner_->create_web_session(session, now);
  }
  std::optional<WebSession> get_web_session(std::string_view id_hash, TimePoint now) override {
    return wait(), inner_->get_web_session(id_hash, now);
  }
  void end_web_session(std::string_view id_hash) override {
    wait();
    inner_->end_web_session(id_hash);
  }
  int end_web_sessions(std::string_view person) override {
    return wait(), inner_->end_web_sessions(person);
  }

 private:
  void wait() const { std::this_thread::sleep_for(latency_); }

  std::unique_ptr<Store> inner_;
  std::chrono::milliseconds latency_;
};

}  // namespace

std::unique_ptr<Store> with_latency(std::unique_ptr<Store> store, std::chrono::milliseconds latency) {
  return std::make_unique<LatencyStore>(std::move(store), latency);
}

}  // namespace holdgate::storage
