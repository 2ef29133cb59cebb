#include "recording/file_name.hpp"

#include <ctime>

namespace holdgate::recording {

std::string file_name_part(std::string_view text) {
  constexpr std::size_t max_part = 64;
  std::string part;
  for (char c : text.substr(0, max_part)) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '@';
    part += keep ? c : '_';
  }
  if (!part.empty() && part[0] == '.') part[0] = '_';
  return part.empty() ? "-" : part;
}

bool is_recording_name(const std::filesystem::path& path) {
  return path.extension() == ".cast" || path.extension() == ".stream";
}

std::string recording_file_name(std::chrono::system_clock::time_point started,
                                std::string_view person, std::string_view login,
                                std::string_view target, std::string_view session_id,
                                std::string_view extension) {
  std::time_t t = std::chrono::system_clock::to_time_t(started);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H%M%SZ", &utc);
  return std::string(stamp) + "_" + file_name_part(person) + "_" + file_name_part(login) + "@" +
         file_name_part(target) + "_" + file_name_part(session_id) + std::string(extension);
}

}  // namespace holdgate::recording
