#include "recording/block_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

namespace holdgate::recording {

StagingBuffer::StagingBuffer(std::size_t capacity)
    : capacity_((capacity + block_size - 1) / block_size * block_size),
      data_(static_cast<char*>(std::aligned_alloc(block_size, capacity_))) {
  if (!data_) throw std::bad_alloc();
}

void StagingBuffer::Free::operator()(char* p) const { std::free(p); }

BlockFile::BlockFile(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  // Not every filesystem takes O_DIRECT (some FUSE and network ones refuse it): then buffered.
  direct_ = set_direct(true);
  fd_is_direct_ = direct_;
}

BlockFile::~BlockFile() {
  if (fd_ >= 0) ::close(fd_);
}

void BlockFile::begin(StagingBuffer& staging) {
  staging_ = &staging;
  std::memcpy(staging.data(), partial_.data(), partial_.size());
  staged_ = partial_.size();
}

bool BlockFile::append(std::string_view bytes) {
  if (!error_.empty()) return false;
  while (!bytes.empty()) {
    std::size_t take = std::min(bytes.size(), staging_->capacity() - staged_);
    std::memcpy(staging_->data() + staged_, bytes.data(), take);
    staged_ += take;
    bytes.remove_prefix(take);
    if (staged_ == staging_->capacity() && !write_staged(false)) return false;
  }
  return true;
}

bool BlockFile::end(bool write_tail) {
  bool ok = error_.empty() && write_staged(write_tail);
  staging_ = nullptr;
  staged_ = 0;
  return ok;
}

// Writes the staged whole blocks directly; with `tail`, the partial block after them too, through
// the page cache. Either way a copy of the partial block is kept for the next pass's bytes.
bool BlockFile::write_staged(bool tail) {
  std::size_t whole = staged_ / block_size * block_size;
  if (whole > 0 && !write_at(staging_->data(), whole, offset_, direct_)) return false;
  std::size_t rest = staged_ - whole;
  if (tail && rest > 0 && !write_at(staging_->data() + whole, rest, offset_ + whole, false)) return false;
  // Without `tail`, a tail already in the file stays written while nothing was added to it.
  if (tail) {
    tail_unwritten_ = false;
  } else if (whole > 0 || rest > partial_.size()) {
    tail_unwritten_ = rest > 0;
  }
  partial_.assign(staging_->data() + whole, rest);
  offset_ += whole;
  // What stays staged is the partial block, at the front (a full staging area has none).
  std::memmove(staging_->data(), staging_->data() + whole, rest);
  staged_ = rest;
  return true;
}

bool BlockFile::write_at(const char* data, std::size_t n, std::uint64_t offset, bool direct) {
  while (n > 0) {
    if (direct_ && direct != fd_is_direct_) {
      if (!set_direct(direct)) return fail(errno);
      fd_is_direct_ = direct;
    }
    ssize_t written = ::pwrite(fd_, data, n, static_cast<off_t>(offset));
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && errno == EINVAL && direct) {
      // The filesystem took the flag but not this write (an alignment it wants larger than a
      // block): buffered from now on.
      direct_ = false;
      direct = false;
      if (!set_direct(false)) return fail(errno);
      fd_is_direct_ = false;
      continue;
    }
    if (written <= 0) return fail(written < 0 ? errno : ENOSPC);
    data += written;
    n -= static_cast<std::size_t>(written);
    offset += static_cast<std::uint64_t>(written);
    // A short direct write leaves the rest unaligned: the rest goes through the page cache.
    if (direct && n > 0 && written % static_cast<ssize_t>(block_size) != 0) direct = false;
  }
  return true;
}

bool BlockFile::set_direct(bool on) {
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0) return false;
  flags = on ? flags | O_DIRECT : flags & ~O_DIRECT;
  return ::fcntl(fd_, F_SETFL, flags) == 0;
}

bool BlockFile::fail(int error_number) {
  if (error_.empty()) error_ = "cannot write " + name_ + ": " + std::strerror(error_number);
  return false;
}

bool BlockFile::sync_and_close() {
  if (fd_ < 0) return error_.empty();
  if (tail_unwritten_ && error_.empty() && write_at(partial_.data(), partial_.size(), offset_, false)) {
    tail_unwritten_ = false;
  }
  if (::fdatasync(fd_) != 0) fail(errno);
  ::close(fd_);
  fd_ = -1;
  return error_.empty();
}

}  // namespace holdgate::recording
