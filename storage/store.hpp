// The narrow storage interface. SQLite implements it today; a shared backend (PostgreSQL) for
// several bastions can implement it later and must pass the same conformance suite
// (tests/unit/storage_conformance_test.cpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/records.hpp"

namespace holdgate::storage {

struct StoreError {
  std::string message;
};

// The outcome of a compare-and-swap write.
enum class WriteResult { written, conflict, not_found };

struct RequestFilter {
  std::optional<std::string> user;         // only this requester's
  std::optional<RequestState> state;       // only in this state
  std::optional<TimePoint> resolved_since; // only resolved at or after
};

class Store {
 public:
  virtual ~Store() = default;

  // Inserts a new request (version 1) and its audit event in one durable transaction.
  virtual std::variant<std::monostate, StoreError> create_request(const AccessRequest& request,
                                                                  const AuditEvent& event) = 0;

  virtual std::optional<AccessRequest> get_request(std::string_view id) = 0;

  // Newest first.
  virtual std::vector<AccessRequest> list_requests(const RequestFilter& filter) = 0;

  // Replaces the stored request with `updated` (state, reviews, grant fields, resolution) only
  // if the stored version is `updated.version - 1`; stores the new version. When the new state
  // is APPROVED, writes one grant per role in the same transaction, and appends `events`.
  // Everything or nothing, durable before it returns.
  virtual WriteResult update_request(const AccessRequest& updated,
                                     const std::vector<AuditEvent>& events) = 0;

  // Grants of `user` that have not expired at `now`.
  virtual std::vector<GrantRecord> active_grants(std::string_view user, TimePoint now) = 0;

  virtual void append_audit(const AuditEvent& event) = 0;

  // Oldest first.
  virtual std::vector<AuditEvent> audit_since(TimePoint since) = 0;
};

// Opens (creating if needed) the SQLite database at `path`, applying schema migrations. A file
// from a newer holdgate is refused with a clear message.
std::variant<std::unique_ptr<Store>, StoreError> open_sqlite_store(const std::string& path);

}  // namespace holdgate::storage
