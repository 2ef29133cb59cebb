// Checks an audit trail's hash chain (storage/audit_chain.hpp): a plain function over the rows,
// oldest first, as any backend returns them. It names the first event that does not verify.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace holdgate::storage {

struct ChainFailure {
  long id = 0;          // the first event that does not verify
  std::string kind;     // empty when the event is not in the trail at all (truncated)
  TimePoint at;
  std::string problem;  // one sentence: what is wrong with it
};

// An anchor from outside the database (a signed checkpoint): event `id` had hash `hash`.
struct ChainAnchor {
  long id = 0;
  std::string hash;
};

struct ChainReport {
  std::size_t events = 0;  // events that verified
  std::optional<ChainFailure> failure;
};

// Walks `events` (ordered by id) from the first: ids must follow one another from 1 (a gap means
// deleted rows), each stored prev_hash must be the previous event's hash (else the rows were
// reordered or one before was removed), and each hash must be SHA-256(prev || canonical bytes)
// (else the row was edited). With `anchor`, the trail must also reach event anchor.id with that
// hash: this is what catches the newest rows deleted, which the chain alone cannot.
ChainReport verify_chain(const std::vector<AuditEvent>& events,
                         const std::optional<ChainAnchor>& anchor = std::nullopt);

}  // namespace holdgate::storage
