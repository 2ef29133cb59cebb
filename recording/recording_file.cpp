#include "recording/recording_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "storage/audit_chain.hpp"

namespace holdgate::recording {

struct RecordingFile::Digest {
  storage::Sha256 sha;
};

std::variant<RecordingFile, std::string> RecordingFile::open(const std::filesystem::path& path) {
  // O_NOFOLLOW: the recordings dir holds files holdgate wrote, never links out of it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return "its recording " + path.filename().string() + " is missing";
    return "its recording " + path.filename().string() + " cannot be read: " + std::strerror(errno);
  }
  return RecordingFile(fd, path);
}

RecordingFile::RecordingFile(int fd, std::filesystem::path path)
    : fd_(fd), path_(std::move(path)), digest_(std::make_unique<Digest>()) {}

RecordingFile::RecordingFile(RecordingFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      at_end_(other.at_end_),
      error_(std::move(other.error_)),
      digest_(std::move(other.digest_)) {}

RecordingFile& RecordingFile::operator=(RecordingFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    at_end_ = other.at_end_;
    error_ = std::move(other.error_);
    digest_ = std::move(other.digest_);
  }
  return *this;
}

RecordingFile::~RecordingFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string RecordingFile::read(std::size_t max) {
  if (at_end_ || !error_.empty() || fd_ < 0) return {};
  std::string bytes(max, '\0');
  ssize_t n;
  do {
    n = ::read(fd_, bytes.data(), max);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    error_ = "its recording " + path_.filename().string() + " could not be read: " + std::strerror(errno);
    return {};
  }
  if (n == 0) {
    at_end_ = true;
    return {};
  }
  bytes.resize(static_cast<std::size_t>(n));
  digest_->sha.update(bytes);
  return bytes;
}

std::string RecordingFile::sha256() { return storage::to_hex(digest_->sha.finish()); }

}  // namespace holdgate::recording
