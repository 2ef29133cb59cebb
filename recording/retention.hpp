// Which recordings retention deletes: a pure rule over (name, size, time) rows, and the
// directory listing it runs on.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace holdgate::recording {

struct StoredRecording {
  std::string name;
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
};

// Those older than `days` (0: no age limit), then the oldest of the rest while together they
// are over `total_bytes` (0: no size limit). Oldest first.
std::vector<std::string> recordings_to_delete(std::vector<StoredRecording> stored,
                                              std::chrono::system_clock::time_point now, int days,
                                              std::uint64_t total_bytes);

// The recordings (.cast and .stream files) in `dir`, except those named in `skip` (still being written).
std::vector<StoredRecording> list_recordings(const std::filesystem::path& dir,
                                             const std::vector<std::string>& skip);

}  // namespace holdgate::recording
