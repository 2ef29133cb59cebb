// One recording being made: the relay appends events to a bounded queue (the only thing it
// does on the hot path), the writer thread encodes and writes them. This is the one feed of a
// channel's terminal stream, so a live watcher can later subscribe here too.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <variant>
#include <vector>

#include "recording/asciicast.hpp"
#include "recording/block_file.hpp"
#include "recording/stream_format.hpp"

namespace holdgate::recording {

using SteadyClock = std::chrono::steady_clock;

// How a finished recording turned out; handed to the caller once the file is closed.
struct RecordingResult {
  std::string path;    // relative to the recordings directory
  std::string sha256;  // hex SHA-256 of the file as written; empty if it could not be read back
  std::uint64_t bytes_written = 0;
  std::uint64_t dropped_bytes = 0;  // not recorded because the disk could not keep up
  bool capped = false;              // stopped at max_bytes
  std::string error;                // why writing failed, if it did
};

// Shared by the writer thread and every recording: the queue lock and the writer's wake-up.
struct WriterSignal {
  std::mutex mutex;
  std::condition_variable wake;
  bool pending = false;  // something was queued since the writer last looked
  bool hurry = false;    // a recording's queue passed hurry_bytes: stop gathering, write
};

// Queued bytes past which a recording wakes the writer before its gathering time is up: one
// staging area's worth, so a fast session's pass writes big blocks and its queue stays far from
// max_queued.
inline constexpr std::size_t hurry_bytes = 1u << 20;

// How a recording is written: asciicast for a terminal (what `asciinema play` and `session
// play` replay), a holdgate stream for a channel without one (bytes as they were).
enum class Format { asciicast, stream };

// The file name's extension for each.
std::string_view format_extension(Format format);

class Recording {
 public:
  struct Limits {
    std::uint64_t max_bytes = 1ull << 30;     // the file, header included
    std::size_t max_queued = 8u << 20;        // bytes waiting for the writer, then dropped
    // The longest the file's last, partial block stays in memory only: a busy terminal writes
    // whole blocks, and its tail at most this often (see BlockFile). What a pass took is in the
    // file within this time, and before the session's end event.
    std::chrono::milliseconds hold_tail{50};
  };
  // Takes ownership of `fd`, a new empty file opened for writing.
  Recording(std::shared_ptr<WriterSignal> signal, int fd, std::string path, Format format,
            const CastHeader& header, SteadyClock::time_point start, Limits limits);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  const std::string& path() const { return path_; }

  // ---- The relay's side: a copy of the bytes and a time, under a short lock; never waits on
  // the disk. Past the queue's bound, bytes are counted and dropped, and a marker says so.
  void data(Stream stream, std::string_view bytes, SteadyClock::time_point at);
  void resize(unsigned columns, unsigned rows, SteadyClock::time_point at);
  void marker(std::string_view label, SteadyClock::time_point at);
  // No more events; `done` is called on the writer thread once the file is closed.
  void finish(std::function<void(const RecordingResult&)> done);
  // Called once, on the writer thread, when writing fails (disk full, I/O error). Set before
  // the writer has the recording (RecordingWriter::open does).
  void on_failure(std::function<void(const std::string&)> failed) { on_failure_ = std::move(failed); }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

  // ---- The writer's side. Writes what is queued through `staging` (the writer thread's one
  // staging area); true once finished (and `done` was called). A recording with nothing new
  // costs nothing here, unless its held tail is due.
  bool write_pending(StagingBuffer& staging, SteadyClock::time_point now);
  // When the held tail must be written, if one is held: the writer wakes for it.
  std::optional<SteadyClock::time_point> tail_due() const;

 private:
  enum class Kind { data, resize, marker };
  // An event's bytes (data, a marker's text) are in the queue's one byte buffer, not a string
  // of their own: no allocation per read on the relay, and no free of it on the writer.
  struct Event {
    SteadyClock::time_point at;
    Kind kind;
    Stream stream = Stream::output;
    unsigned columns = 0, rows = 0;
    std::size_t offset = 0, size = 0;  // in the queue's bytes
  };
  void push(const Event& event, std::string_view bytes);  // with the lock held
  void write_line(std::string_view line);
  void fail(const std::string& why);

  std::shared_ptr<WriterSignal> signal_;
  const std::string path_;
  const SteadyClock::time_point start_;
  const Limits limits_;
  std::atomic<bool> failed_{false};
  std::function<void(const std::string&)> on_failure_;

  // Under signal_->mutex. The writer swaps both with its own (emptied, capacity kept) pair.
  std::vector<Event> queue_;
  std::string queued_bytes_;
  std::uint64_t dropped_total_ = 0, dropped_unmarked_ = 0;
  bool finishing_ = false;
  std::function<void(const RecordingResult&)> done_;

  // The writer thread's alone.
  std::vector<Event> taken_events_;  // what the last pass took, kept for their capacity
  std::string taken_bytes_;
  BlockFile file_;
  std::variant<CastEncoder, StreamEncoder> encoder_;
  std::string header_line_;
  bool header_written_ = false;
  std::optional<SteadyClock::time_point> tail_held_since_;  // while file_.tail_unwritten()
  struct Digest;
  std::unique_ptr<Digest> digest_;
  RecordingResult result_;
};

}  // namespace holdgate::recording
