// The recording of a channel without a terminal (an exec or subsystem under `recording: {mode:
// all}`): sftp, scp, rsync, git and pipes carry arbitrary bytes, which asciicast can only hold
// as escaped JSON text (six bytes per NUL, and lossy: what is not UTF-8 becomes U+FFFD). A
// `.stream` file keeps them as they were, at the cost of the disk's own speed.
//
// Format "holdgate-stream 1": one JSON header line (`{"format": "holdgate-stream", "version": 1,
// "timestamp": ..., "title": ...}` and a newline), then frames, each
//   1 byte   what: 'o' stdout, 'e' stderr, 'i' input, 'm' holdgate's marker (UTF-8 text)
//   8 bytes  microseconds since the recording started, little-endian
//   4 bytes  length of the data, little-endian
//   data
// Pure: bytes in, bytes out, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "recording/asciicast.hpp"

namespace holdgate::recording {

inline constexpr std::size_t stream_frame_header_size = 13;

// The header line, newline included (the size and TERM of CastHeader are not written: there
// is no terminal).
std::string stream_header(const CastHeader& header);

// The same calls as CastEncoder, so a Recording writes either without knowing which.
class StreamEncoder {
 public:
  std::string data(double seconds, Stream stream, std::string_view bytes);
  // data()'s frame without the bytes, for a writer that writes them from where they are.
  std::string frame_header(double seconds, Stream stream, std::size_t size);
  std::string resize(double, unsigned, unsigned) { return {}; }  // no terminal, no size
  std::string marker(double seconds, std::string_view label);
  std::string finish(double) { return {}; }  // nothing is ever held back
};

struct StreamFrame {
  char what = 'o';
  std::uint64_t microseconds = 0;
  std::string data;
};

// Reads a .stream file fed in pieces of any size (a frame may span two reads).
class StreamDecoder {
 public:
  // The frames complete so far. After an error nothing more is returned.
  std::vector<StreamFrame> feed(std::string_view bytes);
  // Called once the file has ended: one sentence if the file is not a whole stream recording
  // (no header, or it ends inside a frame), else nullopt.
  std::optional<std::string> end_of_file() const;

 private:
  std::string pending_;
  std::size_t header_scanned_ = 0;  // no newline in pending_ before this
  bool header_done_ = false;
  std::optional<std::string> error_;
};

// What `session export --stream` writes: the data of one kind of frame ('o', 'e' or 'i'),
// concatenated, exactly as the target sent it or the user typed it.
class StreamFilter {
 public:
  explicit StreamFilter(char what) : what_(what) {}
  std::string pass(std::string_view bytes);
  std::optional<std::string> end_of_file() const { return decoder_.end_of_file(); }

 private:
  char what_;
  StreamDecoder decoder_;
};

}  // namespace holdgate::recording
