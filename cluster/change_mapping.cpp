#include "cluster/change_mapping.hpp"

#include <string_view>

namespace holdgate::cluster {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The value of "key=value" at the start of `details`, up to the first space.
std::optional<std::string> leading_value(std::string_view details, std::string_view key) {
  if (!starts_with(details, key)) return std::nullopt;
  details.remove_prefix(key.size());
  return std::string(details.substr(0, details.find(' ')));
}

// A transition's audit events (approvals/service.cpp transition_events) put a review or a hook's
// answer first and what it led to after it, in one write.
bool leads_to_next(const storage::AuditEvent& event, const storage::AuditEvent& next) {
  return (event.kind == "request.reviewed" || event.kind == "request.hook-answered") &&
         starts_with(next.kind, "request.") && next.subject == event.subject &&
         next.at == event.at && next.origin == event.origin && next.id == event.id + 1;
}

}  // namespace

std::optional<ChangeLookup> lookup_for(const storage::AuditEvent& event) {
  using What = ChangeLookup::What;
  if (starts_with(event.kind, "request.")) return ChangeLookup{What::request, event.subject};
  if (event.kind == "lock.created") {
    // A break-glass request's lock is recorded about the request (its subject), so those who
    // may see the request see the lock: its own id leads the details.
    if (auto id = leading_value(event.details, "lock=")) return ChangeLookup{What::lock_created, *id};
    return ChangeLookup{What::lock_created, event.subject};
  }
  if (event.kind == "lock.removed") return ChangeLookup{What::lock_removed, event.subject};
  return std::nullopt;
}

std::vector<storage::AuditEvent> events_to_publish(const std::vector<storage::AuditEvent>& page,
                                                   const std::string& own_origin) {
  std::vector<storage::AuditEvent> out;
  for (std::size_t i = 0; i < page.size(); ++i) {
    const auto& event = page[i];
    if (event.origin == own_origin || !lookup_for(event)) continue;
    if (i + 1 < page.size() && leads_to_next(event, page[i + 1])) continue;
    out.push_back(event);
  }
  return out;
}

storage::LockRecord removed_lock(const storage::AuditEvent& event) {
  storage::LockRecord lock;
  lock.id = event.subject;
  lock.removed = event.at;
  lock.removed_by = event.actor;
  std::string_view details = event.details;
  const auto reason_at = details.find(" reason=");
  std::string_view what = details.substr(0, reason_at);
  if (reason_at != std::string_view::npos) {
    lock.reason = std::string(details.substr(reason_at + std::string_view(" reason=").size()));
  }
  if (auto user = leading_value(what, "user=")) lock.user = *user;
  else if (auto target = leading_value(what, "target=")) lock.target = *target;
  else if (auto role = leading_value(what, "role=")) lock.role = *role;
  return lock;
}

}  // namespace holdgate::cluster
