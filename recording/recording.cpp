#include "recording/recording.hpp"

#include <openssl/evp.h>
#include <unistd.h>

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
    : signal_(std::move(signal)), path_(std::move(path)), start_(start), limits_(limits), fd_(fd),
      header_line_(format == Format::stream ? stream_header(header) : cast_header(header)),
      digest_(std::make_unique<Digest>()) {
  if (format == Format::stream) encoder_.emplace<StreamEncoder>();
  result_.path = path_;
}

Recording::~Recording() { close_file(); }

void Recording::push(Event event) {
  std::size_t size = event.bytes.size() + sizeof(Event);
  if (queued_bytes_ + size > limits_.max_queued) {
    // The disk is slower than the session: the relay never waits for it.
    dropped_total_ += event.bytes.size();
    dropped_unmarked_ += event.bytes.size();
    return;
  }
  if (dropped_unmarked_ > 0) {
    queue_.push_back({event.at, Kind::marker, Stream::output, 0, 0,
                      "holdgate: " + std::to_string(dropped_unmarked_) +
                          " bytes not recorded (the disk was too slow)"});
    dropped_unmarked_ = 0;
  }
  queued_bytes_ += size;
  queue_.push_back(std::move(event));
  signal_->pending = true;
  signal_->wake.notify_one();
}

void Recording::data(Stream stream, std::string_view bytes, SteadyClock::time_point at) {
  std::lock_guard lock(signal_->mutex);
  if (finishing_) return;
  push({at, Kind::data, stream, 0, 0, std::string(bytes)});
}

void Recording::resize(unsigned columns, unsigned rows, SteadyClock::time_point at) {
  std::lock_guard lock(signal_->mutex);
  if (finishing_) return;
  push({at, Kind::resize, Stream::output, columns, rows, {}});
}

void Recording::marker(std::string_view label, SteadyClock::time_point at) {
  std::lock_guard lock(signal_->mutex);
  if (finishing_) return;
  push({at, Kind::marker, Stream::output, 0, 0, std::string(label)});
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
  if (fd_ < 0 || failed() || line.empty()) return;
  for (std::size_t off = 0; off < line.size();) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail(std::string("cannot write ") + path_ + ": " + std::strerror(n < 0 ? errno : ENOSPC));
      return;
    }
    digest_->update(line.data() + off, static_cast<std::size_t>(n));
    off += static_cast<std::size_t>(n);
    result_.bytes_written += static_cast<std::size_t>(n);
  }
}

bool Recording::write_pending() {
  std::deque<Event> events;
  bool finishing = false;
  {
    std::lock_guard lock(signal_->mutex);
    events.swap(queue_);
    queued_bytes_ = 0;
    finishing = finishing_;
    result_.dropped_bytes = dropped_total_;
  }
  auto seconds = [&](SteadyClock::time_point at) {
    return std::chrono::duration<double>(at - start_).count();
  };
  if (!header_written_) {
    header_written_ = true;
    write_line(header_line_);
  }
  // Lines are gathered into one write(2) of up to 64 KiB; the cap is checked line by line.
  std::string batch;
  auto encode = [&](auto call) { return std::visit(call, encoder_); };
  // `tail`: bytes that follow `line` in the file as they are (a .stream frame's data), written
  // straight from the event rather than copied into the batch.
  auto add = [&](const std::string& line, double at, std::string_view tail = {}) {
    if (result_.capped) return;
    if (result_.bytes_written + batch.size() + line.size() + tail.size() > limits_.max_bytes) {
      // One marker past the cap says why the recording stops here; it may exceed the cap.
      result_.capped = true;
      batch += encode([&](auto& e) { return e.marker(at, "holdgate: recording stopped at max_bytes"); });
    } else {
      batch += line;
    }
    if (batch.size() >= 64 * 1024 || result_.capped || !tail.empty()) {
      write_line(batch);
      batch.clear();
    }
    if (!result_.capped) write_line(tail);
  };
  auto* stream = std::get_if<StreamEncoder>(&encoder_);
  for (const auto& event : events) {
    double at = seconds(event.at);
    switch (event.kind) {
      case Kind::data:
        if (stream && event.bytes.size() >= 4096) {
          add(stream->frame_header(at, event.stream, event.bytes.size()), at, event.bytes);
          break;
        }
        add(encode([&](auto& e) { return e.data(at, event.stream, event.bytes); }), at);
        break;
      case Kind::resize: add(encode([&](auto& e) { return e.resize(at, event.columns, event.rows); }), at); break;
      case Kind::marker: add(encode([&](auto& e) { return e.marker(at, event.bytes); }), at); break;
    }
  }
  if (finishing) {
    double at = seconds(SteadyClock::now());
    add(encode([&](auto& e) { return e.finish(at); }), at);
  }
  write_line(batch);
  if (!finishing) return false;
  close_file();
  result_.sha256 = digest_->hex();
  std::function<void(const RecordingResult&)> done;
  {
    std::lock_guard lock(signal_->mutex);
    done = std::move(done_);
  }
  if (done) done(result_);
  return true;
}

void Recording::close_file() {
  if (fd_ < 0) return;
  // Durable before its hash goes into the audit trail; on the writer thread, never the relay's.
  if (::fdatasync(fd_) != 0 && !failed()) fail(std::string("cannot write ") + path_ + ": " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
}

}  // namespace holdgate::recording
