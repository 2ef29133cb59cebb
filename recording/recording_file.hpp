// A finished recording read back (`session export`, `session play`): in bounded pieces, hashing
// as it goes, so a GB file never sits in memory and its SHA-256 is known once it is read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>

namespace holdgate::recording {

class RecordingFile {
 public:
  // The file, or one sentence why it cannot be read (missing, unreadable).
  static std::variant<RecordingFile, std::string> open(const std::filesystem::path& path);
  RecordingFile(RecordingFile&&) noexcept;
  RecordingFile& operator=(RecordingFile&&) noexcept;
  ~RecordingFile();

  // Up to `max` bytes; empty once the end is reached (then at_end()) or on a read error
  // (then error() says why). One read(2) of a regular file: bounded, no waiting on peers.
  std::string read(std::size_t max);
  bool at_end() const { return at_end_; }
  const std::string& error() const { return error_; }
  // Lowercase hex SHA-256 of everything read; call once at_end().
  std::string sha256();

 private:
  RecordingFile(int fd, std::filesystem::path path);
  int fd_ = -1;
  std::filesystem::path path_;
  bool at_end_ = false;
  std::string error_;
  struct Digest;
  std::unique_ptr<Digest> digest_;
};

}  // namespace holdgate::recording
