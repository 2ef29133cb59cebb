// The recordings the audit trail vouches for: a session.ended event whose details are JSON with
// "recording" (a path under the recordings directory) and "sha256" (hex of the .cast file).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>

#include "storage/records.hpp"

namespace holdgate::audit {

struct RecordingRef {
  std::string path;    // as the event names it, relative to the recordings directory
  std::string sha256;  // lowercase hex
};

// The recording `event` names; nullopt for other events and for session.ended without both
// fields (a session that was not recorded).
std::optional<RecordingRef> recording_of(const storage::AuditEvent& event);

// The recording a `recording.deleted` event says retention deleted (its subject), or nullopt.
// The chain vouches for that deletion, so verify does not count the file as missing.
std::optional<std::string> deleted_by_retention(const storage::AuditEvent& event);

// nullopt when the file under `dir` hashes to ref.sha256, else why not (one sentence). A path
// that is absolute or climbs out of `dir` is refused rather than read.
std::optional<std::string> check_recording(const std::filesystem::path& dir,
                                           const RecordingRef& ref);

}  // namespace holdgate::audit
