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

// Where recordings live: state_dir/recordings (section 1 of issue 13 may make it configurable).
std::filesystem::path recordings_dir(const std::filesystem::path& state_dir);

// nullopt when the file under `dir` hashes to ref.sha256, else why not (one sentence). A path
// that is absolute or climbs out of `dir` is refused rather than read.
std::optional<std::string> check_recording(const std::filesystem::path& dir,
                                           const RecordingRef& ref);

}  // namespace holdgate::audit
