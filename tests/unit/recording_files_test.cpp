// Recording file names, retention's choice, the recording block of the config, and one
// recording written through the writer thread (mode 0600 in a 0700 dir, hash of the file).
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "config_text.hpp"
#include "recording/file_name.hpp"
#include "recording/mode.hpp"
#include "recording/retention.hpp"
#include "recording/writer.hpp"
#include "temp_dir.hpp"

namespace rec = holdgate::recording;
using std::chrono::hours;
using std::chrono::system_clock;

TEST_CASE("a recording's name says when, who, where and which session", "[recording]") {
  auto at = system_clock::from_time_t(1796174100);  // 2026-12-02 01:15:00 UTC
  CHECK(rec::recording_file_name(at, "bob", "root", "db-1", "1a2b3c4d") ==
        "2026-12-02T011500Z_bob_root@db-1_1a2b3c4d.cast");
  // Nothing in a name can climb out of the directory, hide the file or confuse a shell.
  CHECK(rec::recording_file_name(at, "../x", "r t", "a/b", "") ==
        "2026-12-02T011500Z__._x_r_t@a_b_-.cast");
  CHECK(rec::file_name_part(".hidden") == "_hidden");
  CHECK(rec::file_name_part("\x1b[31m") == "__31m");
  CHECK(rec::file_name_part(std::string(100, 'a')).size() == 64);
}

TEST_CASE("retention deletes what is too old, then the oldest while over the total", "[recording]") {
  auto now = system_clock::from_time_t(1796174100);
  std::vector<rec::StoredRecording> stored = {
      {"new", 100, now - hours(1)}, {"old", 100, now - hours(24 * 40)},
      {"mid", 100, now - hours(24 * 5)}, {"older", 100, now - hours(24 * 31)}};
  struct Row {
    int days;
    std::uint64_t total;
    std::vector<std::string> doomed;
  };
  const Row rows[] = {
      {0, 0, {}},
      {30, 0, {"old", "older"}},
      {0, 250, {"old", "older"}},
      {0, 100, {"old", "older", "mid"}},
      {30, 400, {"old", "older"}},
      {3, 0, {"old", "older", "mid"}},
  };
  for (const auto& row : rows) {
    INFO(row.days << " days, " << row.total << " bytes");
    CHECK(rec::recordings_to_delete(stored, now, row.days, row.total) == row.doomed);
  }
}

TEST_CASE("the recording block: defaults, and every knob", "[recording][config]") {
  auto plain = parse_ok("state_dir: /s\n");
  CHECK(plain.recording.mode == holdgate::config::RecordingMode::pty);
  CHECK_FALSE(plain.recording.input);
  CHECK(plain.recording.dir == "/s/recordings");
  CHECK(plain.recording.max_bytes == (1ull << 30));

  auto c = parse_ok(
      "state_dir: /s\n"
      "recording:\n  mode: all\n  input: true\n  dir: /r\n  max_bytes: 10M\n"
      "  retention:\n    days: 30\n    total: 2G\n"
      "targets:\n  - name: db-1\n    address: 10.0.0.1\n    recording: none\n"
      "  - name: db-2\n    address: 10.0.0.2\n"
      "roles:\n  - name: dba\n    recording: pty\n    record_required: true\n  - name: dev\n");
  CHECK(c.recording.mode == holdgate::config::RecordingMode::all);
  CHECK(c.recording.input);
  CHECK(c.recording.dir == "/r");
  CHECK(c.recording.max_bytes == 10u << 20);
  CHECK(c.recording.retention_days == 30);
  CHECK(c.recording.retention_total_bytes == (2ull << 30));
  using holdgate::config::RecordingMode;
  CHECK(rec::effective_mode(c, *c.find_target("db-1"), "dba") == RecordingMode::none);  // target wins
  CHECK(rec::effective_mode(c, *c.find_target("db-2"), "dba") == RecordingMode::pty);   // then role
  CHECK(rec::effective_mode(c, *c.find_target("db-2"), "dev") == RecordingMode::all);   // then global
  CHECK(rec::recording_required(c, "dba"));
  CHECK_FALSE(rec::recording_required(c, "dev"));
}

TEST_CASE("recording block mistakes are one error each, at their place", "[recording][config]") {
  CHECK(errors_of("state_dir: /s\nrecording:\n  mode: video\n") ==
        std::vector<std::string>{"c.yaml:3:9: recording.mode: must be 'pty', 'all' or 'none', not 'video'"});
  CHECK(errors_of("state_dir: /s\nrecording:\n  max_bytes: lots\n") ==
        std::vector<std::string>{"c.yaml:3:14: recording.max_bytes: 'lots' is not a size (a number of "
                                 "bytes, or with K, M, G or T, e.g. 100M)"});
  CHECK(errors_of("state_dir: /s\nrecording:\n  max_bytes: 10\n").size() == 1);
  CHECK(errors_of("state_dir: /s\nrecording:\n  retention:\n    weeks: 2\n").size() == 1);
}

namespace {

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &length, EVP_sha256(), nullptr);
  std::string hex;
  char digits[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(digits, sizeof digits, "%02x", out[i]);
    hex += digits;
  }
  return hex;
}

}  // namespace

TEST_CASE("a recording is written off the caller's thread, 0600 in a 0700 dir, with its hash", "[recording]") {
  TempDir tmp;
  auto dir = tmp.path() / "recordings";
  REQUIRE_FALSE(rec::prepare_recordings_dir(dir));
  rec::RecordingWriter writer;
  auto start = rec::SteadyClock::now();
  auto opened = writer.open(dir, "a.cast", rec::Format::asciicast, {80, 24, 1, "xterm", "t"}, start, {});
  REQUIRE(std::holds_alternative<std::shared_ptr<rec::Recording>>(opened));
  auto recording = std::get<std::shared_ptr<rec::Recording>>(opened);
  recording->data(rec::Stream::output, "hi \xe2", start);
  recording->data(rec::Stream::output, "\x82\xac\r\n", start);
  recording->resize(100, 30, start);
  std::promise<rec::RecordingResult> done;
  recording->finish([&](const rec::RecordingResult& result) { done.set_value(result); });
  auto result = done.get_future().get();

  auto text = file_text(dir / "a.cast");
  CHECK(text ==
        "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1,\"env\":{\"TERM\":\"xterm\"},\"title\":\"t\"}\n"
        "[0.000000, \"o\", \"hi \"]\n"
        "[0.000000, \"o\", \"\xe2\x82\xac\\r\\n\"]\n"
        "[0.000000, \"r\", \"100x30\"]\n");
  CHECK(result.path == "a.cast");
  CHECK(result.sha256 == sha256_hex(text));
  CHECK(result.error.empty());
  struct stat file{}, directory{};
  REQUIRE(::stat((dir / "a.cast").c_str(), &file) == 0);
  REQUIRE(::stat(dir.c_str(), &directory) == 0);
  CHECK((file.st_mode & 0777) == 0600);
  CHECK((directory.st_mode & 0777) == 0700);
  // Never over an existing file.
  CHECK(std::holds_alternative<std::string>(writer.open(dir, "a.cast", rec::Format::asciicast, {}, start, {})));
}

TEST_CASE("a session's output reaches the file within hold_tail while the session goes on", "[recording]") {
  TempDir tmp;
  rec::RecordingWriter writer;
  auto start = rec::SteadyClock::now();
  rec::Recording::Limits limits;
  limits.hold_tail = std::chrono::milliseconds(50);
  auto recording = std::get<std::shared_ptr<rec::Recording>>(
      writer.open(tmp.path(), "q.cast", rec::Format::asciicast, {}, start, limits));
  recording->data(rec::Stream::output, "$ prompt-after-output", start);
  // Nothing more comes (a person reading the screen): the held tail is written all the same.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (file_text(tmp.path() / "q.cast").find("prompt-after-output") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(file_text(tmp.path() / "q.cast").find("prompt-after-output") != std::string::npos);
  std::promise<rec::RecordingResult> done;
  recording->finish([&](const rec::RecordingResult& result) { done.set_value(result); });
  auto result = done.get_future().get();
  CHECK(result.sha256 == sha256_hex(file_text(tmp.path() / "q.cast")));
}

TEST_CASE("the writer thread is a batch thread: its wake-ups do not preempt the relay", "[recording]") {
  rec::RecordingWriter writer;
  std::promise<int> policy;
  // sched_getscheduler(0) is the calling thread's policy (Linux schedules threads).
  writer.post([&] { policy.set_value(::sched_getscheduler(0)); });
  CHECK(policy.get_future().get() == SCHED_BATCH);
  CHECK(::sched_getscheduler(0) == SCHED_OTHER);  // the caller's own is untouched
}

TEST_CASE("past max_bytes a recording stops with one marker", "[recording]") {
  TempDir tmp;
  rec::RecordingWriter writer;
  auto start = rec::SteadyClock::now();
  rec::Recording::Limits limits;
  limits.max_bytes = 200;
  auto recording = std::get<std::shared_ptr<rec::Recording>>(writer.open(tmp.path(), "c.cast", rec::Format::asciicast, {}, start, limits));
  for (int i = 0; i < 20; ++i) recording->data(rec::Stream::output, "0123456789", start);
  std::promise<rec::RecordingResult> done;
  recording->finish([&](const rec::RecordingResult& result) { done.set_value(result); });
  auto result = done.get_future().get();
  auto text = file_text(tmp.path() / "c.cast");
  CHECK(result.capped);
  CHECK(text.size() < 300);
  CHECK(text.find("\"m\", \"holdgate: recording stopped at max_bytes\"]\n") != std::string::npos);
  CHECK(text.rfind("\"m\"") > text.rfind("\"o\""));
}

TEST_CASE("retention sees .cast and .stream recordings, not other files or those being written", "[recording]") {
  TempDir tmp;
  for (const char* name : {"a.cast", "b.stream", "c.cast", "notes.txt", "d.cast.tmp"}) {
    std::ofstream(tmp.path() / name) << "x";
  }
  std::filesystem::create_directory(tmp.path() / "e.cast");
  auto found = rec::list_recordings(tmp.path(), {"c.cast"});
  std::vector<std::string> names;
  for (const auto& r : found) names.push_back(r.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"a.cast", "b.stream"});
  CHECK(rec::is_recording_name("x/2026_bob_root@db-1_1.stream"));
  CHECK_FALSE(rec::is_recording_name("x.streams"));
}
