#include "recording/retention.hpp"

#include <algorithm>

#include "recording/file_name.hpp"

namespace holdgate::recording {

std::vector<std::string> recordings_to_delete(std::vector<StoredRecording> stored,
                                              std::chrono::system_clock::time_point now, int days,
                                              std::uint64_t total_bytes) {
  std::sort(stored.begin(), stored.end(), [](const auto& a, const auto& b) {
    return a.modified != b.modified ? a.modified < b.modified : a.name < b.name;
  });
  std::uint64_t total = 0;
  for (const auto& r : stored) total += r.size;
  std::vector<std::string> doomed;
  auto oldest_kept = now - std::chrono::hours(24) * days;
  for (const auto& r : stored) {
    bool too_old = days > 0 && r.modified < oldest_kept;
    bool over = total_bytes > 0 && total > total_bytes;
    if (!too_old && !over) break;  // sorted oldest first: the rest are newer and fit
    doomed.push_back(r.name);
    total -= r.size;
  }
  return doomed;
}

std::vector<StoredRecording> list_recordings(const std::filesystem::path& dir,
                                             const std::vector<std::string>& skip) {
  std::vector<StoredRecording> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec) || !is_recording_name(entry.path())) continue;
    auto name = entry.path().filename().string();
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    auto size = entry.file_size(entry_ec);
    auto modified = entry.last_write_time(entry_ec);
    if (entry_ec) continue;
    found.push_back({name, size, std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(modified))});
  }
  return found;
}

}  // namespace holdgate::recording
