// Signed checkpoints (audit/checkpoint.hpp, audit/signing_key.hpp) and the recordings the
// trail vouches for (audit/recordings.hpp).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <variant>

#include "audit/checkpoint.hpp"
#include "audit/export.hpp"
#include "audit/recordings.hpp"
#include "audit/signing_key.hpp"
#include "storage/audit_chain.hpp"
#include "temp_dir.hpp"

namespace au = holdgate::audit;
namespace st = holdgate::storage;
using namespace std::chrono_literals;

namespace {

const std::string kHash(64, 'a');

au::SigningKey key_in(const TempDir& dir) {
  auto key = au::SigningKey::load_or_generate(au::signing_key_path(dir.path()));
  if (auto* error = std::get_if<std::string>(&key)) FAIL(*error);
  return std::move(std::get<au::SigningKey>(key));
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("the checkpoint key is generated 0600 once and signs what verifies", "[audit]") {
  TempDir dir;
  const auto first = key_in(dir);
  struct stat st_buf {};
  REQUIRE(::stat(au::signing_key_path(dir.path()).c_str(), &st_buf) == 0);
  CHECK((st_buf.st_mode & 0777) == 0600);
  const auto again = key_in(dir);
  CHECK(again.public_key() == first.public_key());
  CHECK(first.public_key().size() == 32);

  const std::string message = au::checkpoint_message(42, kHash);
  CHECK(message == "holdgate audit checkpoint v1 id=42 hash=" + kHash);
  const std::string signature = first.sign(message);
  CHECK(signature.size() == 64);
  CHECK(again.verify(message, signature));
  CHECK_FALSE(again.verify(au::checkpoint_message(41, kHash), signature));

  ::chmod(au::signing_key_path(dir.path()).c_str(), 0644);
  auto refused = au::SigningKey::load(au::signing_key_path(dir.path()));
  REQUIRE(std::holds_alternative<std::string>(refused));
  CHECK_THAT(std::get<std::string>(refused), Catch::Contains("too open"));
}

TEST_CASE("a checkpoint line is read back from itself or from a log line", "[audit]") {
  const au::Checkpoint c{7, kHash, std::string(64, 'b'), std::string(128, 'c')};
  const std::string line = au::checkpoint_line(c);
  CHECK(line == "audit.checkpoint id=7 hash=" + kHash + " key=" + c.key + " signature=" +
                    c.signature);
  for (const std::string& text :
       {line, "2026-12-02T01:45:41Z event=" + line, "{\"line\":\"" + line + "\"}"}) {
    CAPTURE(text);
    auto parsed = au::parse_checkpoint_line(text);
    REQUIRE(std::holds_alternative<au::Checkpoint>(parsed));
    const auto& got = std::get<au::Checkpoint>(parsed);
    CHECK(got.id == 7);
    CHECK(got.hash == kHash);
    CHECK(got.key == c.key);
    CHECK(got.signature == c.signature);
  }
  struct Bad {
    std::string text;
    const char* problem;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"hello", "that is not a checkpoint line"},
           {"id=x hash=" + kHash + " signature=" + c.signature, "is not an event number"},
           {"id=1 hash=abc signature=" + c.signature, "hash is not 64 hex digits"},
           {"id=1 hash=" + kHash + " signature=00", "signature is not 128 hex digits"},
       }) {
    CAPTURE(bad.text);
    auto parsed = au::parse_checkpoint_line(bad.text);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    CHECK_THAT(std::get<std::string>(parsed), Catch::Contains(bad.problem));
  }
}

TEST_CASE("a checkpoint is due after N events or T with something new", "[audit]") {
  const auto t0 = std::chrono::steady_clock::time_point(1h);
  const holdgate::config::AuditSettings settings{3, 10min};
  const au::CheckpointClock last{5, t0};
  struct Case {
    long newest;
    std::chrono::steady_clock::duration after;
    bool due;
  };
  for (const Case& c : std::vector<Case>{
           {5, 1h, false},     // nothing new, however long
           {7, 1min, false},   // 2 new, not yet 10 minutes
           {8, 1min, true},    // 3 new
           {6, 10min, true},   // 1 new, 10 minutes
       }) {
    CAPTURE(c.newest, c.after.count());
    CHECK(au::checkpoint_due(settings, last, c.newest, t0 + c.after) == c.due);
  }
  CHECK_FALSE(au::checkpoint_due({0, 0s}, last, 1000, t0 + 24h));  // both triggers off
}

TEST_CASE("a session.ended event's recording is checked by its SHA-256", "[audit]") {
  TempDir dir;
  const auto recordings = dir.path() / "recordings";
  const std::string cast = "{\"version\": 2}\n[0.1, \"o\", \"hi\"]\n";
  write_file(recordings / "2026-12-02" / "alice.cast", cast);
  st::Sha256 sha;
  sha.update(cast);
  const std::string sum = st::to_hex(sha.finish());

  st::AuditEvent ended;
  ended.kind = "session.ended";
  ended.details = "{\"recording\":\"2026-12-02/alice.cast\",\"sha256\":\"" + sum + "\"}";
  auto ref = au::recording_of(ended);
  REQUIRE(ref);
  CHECK_FALSE(au::check_recording(recordings, *ref));

  write_file(recordings / "2026-12-02" / "alice.cast", "{\"version\": 2}\n[0.1, \"o\", \"hI\"]\n");
  auto changed = au::check_recording(recordings, *ref);
  REQUIRE(changed);
  CHECK_THAT(*changed, Catch::StartsWith("recording hash mismatch"));

  // Retention's audited deletion vouches for a missing file; a failed deletion does not.
  st::AuditEvent deleted{{}, "recording.deleted", "holdgate", "", "2026-12-02/alice.cast",
                         "deleted by retention"};
  CHECK(au::deleted_by_retention(deleted) == std::optional<std::string>("2026-12-02/alice.cast"));
  deleted.details = "cannot delete: Permission denied";
  CHECK_FALSE(au::deleted_by_retention(deleted));

  std::filesystem::remove(recordings / "2026-12-02" / "alice.cast");
  CHECK_THAT(*au::check_recording(recordings, *ref), Catch::Contains("is missing"));
  CHECK_THAT(*au::check_recording(recordings, {"../holdgate.db", sum}),
             Catch::Contains("not inside the recordings directory"));
  CHECK_THAT(*au::check_recording(recordings, {"/etc/passwd", sum}),
             Catch::Contains("not inside the recordings directory"));

  // Not recordings: other kinds, details that are not JSON, a session without both fields.
  ended.details = "{\"recording\":\"x.cast\"}";
  CHECK_FALSE(au::recording_of(ended));
  ended.details = "ended";
  CHECK_FALSE(au::recording_of(ended));
  st::AuditEvent login;
  login.kind = "login.allowed";
  login.details = "{\"recording\":\"x.cast\",\"sha256\":\"" + sum + "\"}";
  CHECK_FALSE(au::recording_of(login));
}

TEST_CASE("export lines carry every field escaped, and --since reads durations and times",
          "[audit]") {
  st::AuditEvent e;
  e.id = 3;
  e.at = st::TimePoint(1'700'000'000'123ms);
  e.kind = "login.denied";
  e.actor = "bob";
  e.subject = "root@db-1";
  e.details = "say \"hi\"\n\x1b[31m";
  e.prev_hash = std::string(64, '0');
  e.hash = kHash;
  CHECK(au::audit_event_json(e) ==
        "{\"id\":3,\"at\":\"2023-11-14T22:13:20Z\",\"at_ms\":1700000000123,"
        "\"kind\":\"login.denied\",\"actor\":\"bob\",\"source\":\"\",\"subject\":\"root@db-1\","
        "\"details\":\"say \\\"hi\\\"\\n\\u001b[31m\",\"prev_hash\":\"" + e.prev_hash +
        "\",\"hash\":\"" + kHash + "\"}");

  const st::TimePoint now(1'700'000'000s);
  CHECK(std::get<st::TimePoint>(au::parse_since("24h", now)) == now - 24h);
  CHECK(std::get<st::TimePoint>(au::parse_since("2023-11-14", now)) ==
        st::TimePoint(1'699'920'000s));
  CHECK(std::get<st::TimePoint>(au::parse_since("2023-11-14T22:13:20Z", now)) == now);
  for (const char* bad : {"yesterday", "2023-11-14T22:13:20", "-1h", "2999-01-01"}) {
    CAPTURE(bad);
    CHECK(std::holds_alternative<std::string>(au::parse_since(bad, now)));
  }
}
