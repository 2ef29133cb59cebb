#include "recording/writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <optional>

namespace holdgate::recording {

std::optional<std::string> prepare_recordings_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message();
  // Recordings hold everything typed and shown: nobody but holdgate's user reads them.
  if (::chmod(dir.c_str(), 0700) != 0) {
    return "cannot set the mode of " + dir.string() + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

RecordingWriter::RecordingWriter() : thread_([this] { run(); }) {}

RecordingWriter::~RecordingWriter() {
  {
    std::lock_guard lock(signal_->mutex);
    stopping_ = true;
    signal_->wake.notify_one();
  }
  thread_.join();
}

std::variant<std::shared_ptr<Recording>, std::string> RecordingWriter::open(
    const std::filesystem::path& dir, const std::string& name, Format format, const CastHeader& header,
    SteadyClock::time_point start, Recording::Limits limits,
    std::function<void(const std::string&)> on_failure) {
  auto path = dir / name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ENOENT) {
    // The directory went away (or was never made): make it and try once more.
    if (auto error = prepare_recordings_dir(dir)) return *error;
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  }
  if (fd < 0) return "cannot create the recording " + path.string() + ": " + std::strerror(errno);
  auto recording = std::make_shared<Recording>(signal_, fd, name, format, header, start, limits);
  // Before the writer thread can see it: it reads the callback without a lock.
  recording->on_failure(std::move(on_failure));
  std::lock_guard lock(signal_->mutex);
  recordings_.push_back(recording);
  signal_->pending = true;  // the header goes out now, not with the first output
  signal_->wake.notify_one();
  return recording;
}

void RecordingWriter::post(std::function<void()> job) {
  std::lock_guard lock(signal_->mutex);
  jobs_.push_back(std::move(job));
  signal_->wake.notify_one();
}

std::vector<std::string> RecordingWriter::open_names() {
  std::lock_guard lock(signal_->mutex);
  std::vector<std::string> names;
  for (const auto& recording : recordings_) names.push_back(recording->path());
  return names;
}

namespace {
// How long a pass waits for a busy session's reads to gather (as a group commit does), unless
// one recording's queue reaches hurry_bytes first: at most ~100 passes a second, each writing
// many reads in big direct blocks, instead of a wake-up, a few small writes and a context switch
// per read. Measured on a terminal printing at full speed: 2 ms cost ~0.3 CPU s/GiB more in
// the writer's system time, and more in what its wake-ups took from the relay.
constexpr auto gather_for = std::chrono::milliseconds(10);
}  // namespace

void RecordingWriter::run() {
  // A background thread: it has a queue to absorb delays, the relay threads and the processes
  // feeding them do not. SCHED_BATCH keeps its fair share of CPU but stops its wake-ups from
  // preempting whoever runs (on a 2-core machine that is the relay, sshd or the client, all on
  // the critical path of a terminal's output). Best effort: a refusal changes nothing else.
  sched_param normal{};
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &normal);
  StagingBuffer staging;  // every recording's bytes pass through it on their way to the disk
  std::optional<SteadyClock::time_point> tail_due;  // the soonest held tail to write
  for (;;) {
    std::vector<std::shared_ptr<Recording>> recordings;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
    {
      std::unique_lock lock(signal_->mutex);
      auto ready = [&] { return signal_->pending || !jobs_.empty() || stopping_; };
      if (auto due = tail_due) {
        signal_->wake.wait_until(lock, *due, ready);  // a held tail is due then, news or not
      } else {
        signal_->wake.wait(lock, ready);
      }
      if (signal_->pending && !stopping_) {
        signal_->wake.wait_for(lock, gather_for, [&] { return signal_->hurry || stopping_; });
      }
      signal_->pending = false;
      signal_->hurry = false;
      recordings = recordings_;
      jobs.swap(jobs_);
      stopping = stopping_;
    }
    std::vector<const Recording*> finished;
    auto now = SteadyClock::now();
    tail_due.reset();
    for (auto& recording : recordings) {
      if (recording->write_pending(staging, now)) {
        finished.push_back(recording.get());
      } else if (auto due = recording->tail_due(); due && (!tail_due || *due < *tail_due)) {
        tail_due = due;
      }
    }
    for (auto& job : jobs) job();
    {
      std::lock_guard lock(signal_->mutex);
      std::erase_if(recordings_, [&](const auto& r) {
        return std::find(finished.begin(), finished.end(), r.get()) != finished.end();
      });
    }
    if (stopping) return;  // files still open are closed (and synced) with their Recording
  }
}

}  // namespace holdgate::recording
