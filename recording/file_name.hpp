// Where a recording goes: a name a person can find by date, person, login@target and session.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace holdgate::recording {

// "2026-12-02T011500Z_bob_root@db-1_1a2b3c4d.cast" (UTC; `extension` last). Each part is made safe for any
// filesystem and a shell: letters, digits and . - @ are kept, anything else becomes '_', a
// leading '.' too (no hidden files, no ".."), and each part is cut at 64 bytes.
std::string recording_file_name(std::chrono::system_clock::time_point started,
                                std::string_view person, std::string_view login,
                                std::string_view target, std::string_view session_id,
                                std::string_view extension = ".cast");

// Whether `path` names a recording (.cast or .stream), as retention and lookups see them.
bool is_recording_name(const std::filesystem::path& path);

// One part of a file name as described above; "-" when nothing is left of it.
std::string file_name_part(std::string_view text);

}  // namespace holdgate::recording
