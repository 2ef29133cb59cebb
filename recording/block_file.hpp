// A recording's file as the writer thread writes it: whole 4 KiB blocks with O_DIRECT, so the
// bytes go from one aligned staging buffer to the disk without a page-cache copy (on this kind
// of machine a buffered write of fresh pages cost ~2 CPU s/GiB against ~0.15 s/GiB direct), and
// a recording that nobody reads does not push useful pages out of the cache either.
//
// The last, partial block of a pass is kept in memory and put in front of the next pass's bytes.
// It goes to the file through the page cache (and is rewritten whole, directly, once it fills)
// when the caller asks: when its recording goes quiet, ends, or has held it long enough (the
// Recording decides). Not on every pass: rewriting it each time cost a buffered write, two
// fcntl calls and the page's invalidation under the next direct write, 500 times a second for a
// busy terminal. Where the filesystem refuses O_DIRECT every write is buffered; the bytes and
// their order are the same either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace holdgate::recording {

inline constexpr std::size_t block_size = 4096;

// The writer thread's one staging area, shared by every recording it writes (one at a time),
// so a thousand idle recordings hold a partial block each, not a buffer each.
class StagingBuffer {
 public:
  explicit StagingBuffer(std::size_t capacity = 1u << 20);  // a multiple of block_size
  char* data() { return data_.get(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(char* p) const;
  };
  std::size_t capacity_;
  std::unique_ptr<char, Free> data_;
};

class BlockFile {
 public:
  // Takes ownership of `fd`, a new empty file opened for writing; `name` is for error sentences.
  BlockFile(int fd, std::string name);
  ~BlockFile();  // closes without syncing (close() syncs)
  BlockFile(const BlockFile&) = delete;
  BlockFile& operator=(const BlockFile&) = delete;

  // One pass: begin() puts the held partial block in front of `staging`, append() adds bytes
  // (writing whole blocks whenever the staging area fills), end() writes the staged whole
  // blocks, and the partial block after them too when `write_tail`.
  // Each returns false once writing has failed; error() then says why, in one sentence.
  void begin(StagingBuffer& staging);
  bool append(std::string_view bytes);
  bool end(bool write_tail = true);
  // A partial block is held that the file does not have yet.
  bool tail_unwritten() const { return tail_unwritten_; }
  // The held partial block, if any, then durable, then closed: before the recording's hash may
  // go into the audit trail.
  bool sync_and_close();

  bool direct() const { return direct_; }
  const std::string& error() const { return error_; }

 private:
  bool write_staged(bool all);
  bool write_at(const char* data, std::size_t n, std::uint64_t offset, bool direct);
  bool set_direct(bool on);
  bool fail(int error_number);

  int fd_;
  std::string name_;
  bool direct_ = false;        // the filesystem took O_DIRECT
  bool fd_is_direct_ = false;  // O_DIRECT is set on fd_ now
  std::uint64_t offset_ = 0;   // where staged byte 0 goes in the file: always a whole block
  std::string partial_;        // the last partial block, kept for the next pass
  bool tail_unwritten_ = false;  // ... and not yet in the file
  StagingBuffer* staging_ = nullptr;
  std::size_t staged_ = 0;
  std::string error_;
};

}  // namespace holdgate::recording
