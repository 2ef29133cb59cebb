// The one thread that writes every recording, so neither a slow disk nor fsync ever holds up
// the event loop. Recordings are opened on the caller's thread (a quick open(2) of a new file,
// so a required recording that cannot be made is refused at once) and written here.
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "recording/recording.hpp"

namespace holdgate::recording {

class RecordingWriter {
 public:
  RecordingWriter();
  // Writes what is queued, closes every file and joins the thread.
  ~RecordingWriter();
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  // A new recording `dir`/`name`, written in `format`: the directory is made 0700 if need be, the file 0600 and
  // never an existing one (nor through a symlink). An error is one sentence. `on_failure` is
  // called once, on the writer thread, if writing it fails later.
  std::variant<std::shared_ptr<Recording>, std::string> open(const std::filesystem::path& dir,
                                                            const std::string& name,
                                                            Format format,
                                                            const CastHeader& header,
                                                            SteadyClock::time_point start,
                                                            Recording::Limits limits,
                                                            std::function<void(const std::string&)> on_failure = {});

  // Runs `job` on the writer thread, between writes (retention's scans and deletions).
  void post(std::function<void()> job);

  // File names of the recordings still being written (safe from any thread).
  std::vector<std::string> open_names();

 private:
  void run();

  std::shared_ptr<WriterSignal> signal_ = std::make_shared<WriterSignal>();
  // Under signal_->mutex.
  std::vector<std::shared_ptr<Recording>> recordings_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

// Makes `dir` (and its parents) with mode 0700, or tightens an existing one to 0700.
std::optional<std::string> prepare_recordings_dir(const std::filesystem::path& dir);

}  // namespace holdgate::recording
