// Signed checkpoints of the audit hash chain: pure parts (what is signed, the line that carries
// it, when one is due). An off-box copy of a checkpoint anchors the chain: rows rewritten or the
// newest ones deleted after it no longer match it.
//
// Signed message (Ed25519, the key in state_dir):  "holdgate audit checkpoint v1 id=ID hash=HASH"
// The line, in the log and in webhooks' "line" field:
//   audit.checkpoint id=ID hash=HASH key=PUBLIC_KEY_HEX signature=SIGNATURE_HEX
// `holdgate audit verify --checkpoint LINE` takes that line, or a whole log line holding it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"

namespace holdgate::audit {

struct Checkpoint {
  long id = 0;            // the newest audit event it covers
  std::string hash;       // that event's hash, 64 hex digits
  std::string key;        // hex of the raw Ed25519 public key that signed it
  std::string signature;  // hex of the 64-byte signature
};

// The bytes that are signed.
std::string checkpoint_message(long id, std::string_view hash);

// "audit.checkpoint id=... hash=... key=... signature=..."
std::string checkpoint_line(const Checkpoint& checkpoint);

// The checkpoint in `line`: its id=, hash=, key= and signature= words, wherever they stand (in
// the line itself, a whole log line, or a webhook's JSON body). One sentence when something is missing or malformed.
std::variant<Checkpoint, std::string> parse_checkpoint_line(std::string_view line);

// The webhook body: {"event":"audit.checkpoint","id":...,"hash":...,"key":...,"signature":...,
// "line":"..."} for json; {"text":"..."} naming the same line for slack.
std::string checkpoint_json(const Checkpoint& checkpoint);
std::string checkpoint_slack(const Checkpoint& checkpoint);

// When to sign: after `every` events beyond the last checkpoint, or `interval` after it when any
// event came since (the first checkpoint of a run counts from the run's start). 0 disables
// either trigger.
struct CheckpointClock {
  long signed_id = 0;  // newest event id covered by the last checkpoint (0: none)
  std::chrono::steady_clock::time_point signed_at;
};
bool checkpoint_due(const config::AuditSettings& settings, const CheckpointClock& last,
                    long newest_id, std::chrono::steady_clock::time_point now);

}  // namespace holdgate::audit
