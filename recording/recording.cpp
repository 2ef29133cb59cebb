#include "recording/recording.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace holdgate::recording {

// SHA-256 of the bytes as they reach the file, so the hash is the file's without reading it back.
struct Recording::Digest {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  Digest() { if (context) EVP_DigestInit_ex(context, EVP_sha256(), nullptr); }
  ~Digest() { EVP_MD_CTX_free(context); }
  void update(const char* data, std::size_t n) { if (context) EVP_DigestUpdate(context, data, n); }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!context || EVP_DigestFinal_ex(context, out, &length) != 1) return {};
    static const char digits[] = "0123456789abcdef";
    std::string text;
    for (unsigned i = 0; i < length; ++i) {
      text += digits[out[i] >> 4];
      text += digits[out[i] & 15];
    }
    return text;
  }
};

std::string_view format_extension(Format format) {
  return format == Format::stream ? ".stream" : ".cast";
}

Recording::Recording(std::shared_ptr<WriterSignal> signal, int fd, std::string path, Format format,
                     const CastHeader& header, SteadyClock::time_point start, Limits limits)
    : signal_(std::move(signal)), path_(std::move(path)), start_(start), limits_(limits), file_(fd, path_),
      header_line_(format == Format::stream ? stream_header(header) : cast_header(header)),
      digest_(std::make_unique<Digest>()) {
  if (format == Format::stream) encoder_.emplace<StreamEncoder>();
  result_.path = path_;
}

// A recording dropped before it finished (shutdown) is still made durable as far as it got.
Recording::~Recording() { file_.sync_and_close(); }

void Recording::push(const Event& event, std::string_view bytes) {
  std::size_t size = bytes.size() + sizeof(Event);
  if (queued_bytes_.size() + queue_.size() * sizeof(Event) + size > limits_.max_queued) {
    // The disk is slower than the session: the relay never waits for it.
    dropped_total_ += bytes.size();
    dropped_unmarked_ += bytes.size();
    return;
  }
  if (dropped_unmarked_ > 0) {
    std::string note = "holdgate: " + std::to_string(dropped_unmarked_) +
                       " bytes not recorded (the disk was too slow)";
    queue_.push_back({event.at, Kind::marker, Stream::output, 0, 0, queued_bytes_.size(), note.size()});
    queued_bytes_ += note;
    dropped_unmarked_ = 0;
  }
  Event queued = event;
  queued.offset = queued_bytes_.size();
  queued.size = bytes.size();
  queued_bytes_ += bytes;
  queue_.push_back(queued);
  // Only the first event since the writer last looked wakes it: a busy session would otherwise
  // wake it for every read (a futex call and a context switch each, thousands a second).
  if (!signal_->pending) {
    signal_->pending = true;
    signal_->wake.notify_one();
  } else if (!signal_->hurry && queued_bytes_.size() >= hurry_bytes) {
    signal_->hurry = true;
    signal_->wake.notify_one();
  }
}

void Recording::data(Stream stream, std::string_view bytes, SteadyClock::time_point at) {
  std::lock_guard lock(signal_->mutex);
  if (finishing_) return;
  push({at, Kind::data, stream}, bytes);
}

void Recording::resize(unsigned columns, unsigned rows, SteadyClock::time_point at) {
  std::lock_guard lock(signal_->mutex);
  if (finishing_) return;
  push({at, Kind::resize, Stream::output, columns, rows}, {});
}

void Recording::marker(std::string_view label, SteadyClock::time_point at) {
  std::lock_guard lock(signal_->mutex);
  if (finishing_) return;
  push({at, Kind::marker}, label);
}

void Recording::finish(std::function<void(const RecordingResult&)> done) {
  std::lock_guard lock(signal_->mutex);
  finishing_ = true;
  done_ = std::move(done);
  signal_->pending = true;
  signal_->wake.notify_one();
}

void Recording::fail(const std::string& why) {
  if (failed()) return;
  result_.error = why;
  failed_.store(true, std::memory_order_relaxed);
  if (on_failure_) on_failure_(why);
}

void Recording::write_line(std::string_view line) {
  if (failed() || line.empty()) return;
  if (!file_.append(line)) {
    fail(file_.error());
    return;
  }
  digest_->update(line.data(), line.size());
  result_.bytes_written += line.size();
}

std::optional<SteadyClock::time_point> Recording::tail_due() const {
  if (!tail_held_since_) return std::nullopt;
  return *tail_held_since_ + limits_.hold_tail;
}

bool Recording::write_pending(StagingBuffer& staging, SteadyClock::time_point now) {
  // What the previous pass took goes back, emptied, so the relay appends into kept capacity.
  // A buffer is kept while the session uses a good part of it: a busy terminal's queue passes
  // hurry_bytes every pass, and giving it back a small buffer made the relay thread grow it
  // again each time (reallocations copying the queue, fresh pages faulted in) on the path of
  // every read. A burst's large buffer is given back once the passes take far less than it.
  constexpr std::size_t keep_capacity = 1u << 20;
  auto oversized = [&](std::size_t capacity, std::size_t used) {
    return capacity > std::max(keep_capacity, 4 * used);
  };
  bool shrink_bytes = oversized(taken_bytes_.capacity(), taken_bytes_.size());
  bool shrink_events = oversized(taken_events_.capacity() * sizeof(Event), taken_events_.size() * sizeof(Event));
  taken_events_.clear();
  taken_bytes_.clear();
  if (shrink_bytes) taken_bytes_.shrink_to_fit();
  if (shrink_events) taken_events_.shrink_to_fit();
  bool finishing = false;
  {
    std::lock_guard lock(signal_->mutex);
    taken_events_.swap(queue_);
    taken_bytes_.swap(queued_bytes_);
    finishing = finishing_;
    result_.dropped_bytes = dropped_total_;
  }
  bool tail_is_due = tail_held_since_ && now >= *tail_held_since_ + limits_.hold_tail;
  if (taken_events_.empty() && header_written_ && !finishing && !tail_is_due) return false;
  auto seconds = [&](SteadyClock::time_point at) {
    return std::chrono::duration<double>(at - start_).count();
  };
  file_.begin(staging);
  if (!header_written_) {
    header_written_ = true;
    write_line(header_line_);
  }
  auto encode = [&](auto call) { return std::visit(call, encoder_); };
  // `tail`: bytes that follow `line` in the file as they are (a .stream frame's data), staged
  // straight from the event rather than joined to the line first. The cap is checked per event.
  auto add = [&](const std::string& line, double at, std::string_view tail = {}) {
    if (result_.capped) return;
    if (result_.bytes_written + line.size() + tail.size() > limits_.max_bytes) {
      // One marker past the cap says why the recording stops here; it may exceed the cap.
      result_.capped = true;
      write_line(encode([&](auto& e) { return e.marker(at, "holdgate: recording stopped at max_bytes"); }));
      return;
    }
    write_line(line);
    write_line(tail);
  };
  auto* stream = std::get_if<StreamEncoder>(&encoder_);
  for (const auto& event : taken_events_) {
    double at = seconds(event.at);
    std::string_view bytes(taken_bytes_.data() + event.offset, event.size);
    switch (event.kind) {
      case Kind::data:
        if (stream) {
          add(stream->frame_header(at, event.stream, bytes.size()), at, bytes);
          break;
        }
        add(encode([&](auto& e) { return e.data(at, event.stream, bytes); }), at);
        break;
      case Kind::resize: add(encode([&](auto& e) { return e.resize(at, event.columns, event.rows); }), at); break;
      case Kind::marker: add(encode([&](auto& e) { return e.marker(at, bytes); }), at); break;
    }
  }
  if (finishing) {
    double at = seconds(SteadyClock::now());
    add(encode([&](auto& e) { return e.finish(at); }), at);
  }
  // The whole blocks this pass made are in the file now; the partial one after them when due.
  if (!file_.end(finishing || tail_is_due || limits_.hold_tail.count() == 0) && !failed()) fail(file_.error());
  if (!file_.tail_unwritten()) {
    tail_held_since_.reset();
  } else if (!tail_held_since_) {
    tail_held_since_ = now;
  }
  if (!finishing) return false;
  // Durable before its hash goes into the audit trail; on the writer thread, never the relay's.
  if (!file_.sync_and_close() && !failed()) fail(file_.error());
  result_.sha256 = digest_->hex();
  std::function<void(const RecordingResult&)> done;
  {
    std::lock_guard lock(signal_->mutex);
    done = std::move(done_);
  }
  if (done) done(result_);
  return true;
}


}  // namespace holdgate::recording
