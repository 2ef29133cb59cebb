#include "storage/audit_verify.hpp"

#include <unordered_map>

#include "storage/audit_chain.hpp"

namespace holdgate::storage {

namespace {

ChainFailure failure_at(const AuditEvent& event, std::string problem) {
  return ChainFailure{event.id, event.kind, event.at, std::move(problem)};
}

// Where in the trail an event with this stored prev_hash belongs: after the event whose hash it
// is. Built only once something is wrong, so a clean walk keeps no index.
std::optional<long> predecessor_of(const std::vector<AuditEvent>& events,
                                   const std::string& prev_hash) {
  std::unordered_map<std::string, long> by_hash;
  for (const AuditEvent& event : events) by_hash.emplace(event.hash, event.id);
  auto found = by_hash.find(prev_hash);
  if (found == by_hash.end()) return std::nullopt;
  return found->second;
}

}  // namespace

ChainReport verify_chain(const std::vector<AuditEvent>& events,
                         const std::optional<ChainAnchor>& anchor) {
  ChainReport report;
  const AuditEvent* previous = nullptr;
  for (const AuditEvent& event : events) {
    const long expected_id = previous ? previous->id + 1 : 1;
    const std::string& expected_prev = previous ? previous->hash : genesis_hash();
    if (previous && event.id <= previous->id) {
      report.failure = failure_at(event, "out of order: it comes after event " +
                                             std::to_string(previous->id));
      return report;
    }
    if (event.id != expected_id) {
      const std::string missing = expected_id == event.id - 1
                                      ? "event " + std::to_string(expected_id) + " is"
                                      : "events " + std::to_string(expected_id) + ".." +
                                            std::to_string(event.id - 1) + " are";
      report.failure = failure_at(event, "gap in ids: " + missing + " missing (deleted)");
      return report;
    }
    if (event.prev_hash != expected_prev) {
      auto belongs_after = predecessor_of(events, event.prev_hash);
      report.failure = failure_at(
          event, belongs_after && *belongs_after != event.id
                     ? "out of order: its prev_hash is the hash of event " +
                           std::to_string(*belongs_after) + ", not of event " +
                           std::to_string(previous ? previous->id : 0)
                     : "prev_hash mismatch: it does not follow " +
                           (previous ? "event " + std::to_string(previous->id)
                                     : std::string("the start of the trail")));
      return report;
    }
    Digest parsed{};
    if (!from_hex(event.hash, parsed) || chain_hash(expected_prev, event) != event.hash) {
      report.failure = failure_at(event, "hash mismatch: the event was changed after it was written");
      return report;
    }
    if (anchor && event.id == anchor->id && event.hash != anchor->hash) {
      report.failure = failure_at(event, "checkpoint mismatch: the checkpoint signed another hash "
                                         "for this event (the trail was rewritten)");
      return report;
    }
    ++report.events;
    previous = &event;
  }
  if (anchor && (!previous || previous->id < anchor->id)) {
    ChainFailure failure;  // no kind or time: the event is gone
    failure.id = anchor->id;
    failure.problem = "truncated: the checkpoint covers event " + std::to_string(anchor->id) +
                      " but the trail ends at " +
                      (previous ? "event " + std::to_string(previous->id) : std::string("nothing")) +
                      " (the newest events were deleted)";
    report.failure = failure;
  }
  return report;
}

}  // namespace holdgate::storage
