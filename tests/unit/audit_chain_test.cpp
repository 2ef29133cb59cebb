// The audit hash chain (storage/audit_chain.hpp) and its verifier (storage/audit_verify.hpp):
// fixed vectors for the canonical bytes and hash, so the documented definition cannot drift,
// and a table of tamperings, each named at the first event it breaks.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "storage/audit_chain.hpp"
#include "storage/audit_verify.hpp"

namespace st = holdgate::storage;
using namespace std::chrono_literals;

namespace {

st::AuditEvent event(long id, const std::string& kind, const std::string& details) {
  st::AuditEvent e;
  e.id = id;
  e.at = st::TimePoint(std::chrono::milliseconds(1'700'000'000'000 + id));
  e.kind = kind;
  e.actor = "alice";
  e.source = "127.0.0.1:2222";
  e.subject = "root@db-1";
  e.details = details;
  return e;
}

// A trail as the store writes it.
std::vector<st::AuditEvent> chained(int count) {
  std::vector<st::AuditEvent> events;
  std::string prev = st::genesis_hash();
  for (int i = 1; i <= count; ++i) {
    auto e = event(i, i % 2 ? "login.allowed" : "login.denied", "event " + std::to_string(i));
    e.prev_hash = prev;
    e.hash = st::chain_hash(prev, e);
    prev = e.hash;
    events.push_back(e);
  }
  return events;
}

}  // namespace

TEST_CASE("canonical audit bytes are length-prefixed fields in a fixed order", "[audit]") {
  st::AuditEvent e;
  e.id = 7;
  e.at = st::TimePoint(std::chrono::milliseconds(1500));
  e.kind = "k";
  e.actor = "ab";
  e.subject = "s";
  e.details = "d\n";
  using namespace std::string_literals;
  const std::string expected = "\0\0\0\0\0\0\0\1"s "7" "\0\0\0\0\0\0\0\4"s "1500"
                               "\0\0\0\0\0\0\0\1"s "k" "\0\0\0\0\0\0\0\2"s "ab"
                               "\0\0\0\0\0\0\0\0"s  // empty source
                               "\0\0\0\0\0\0\0\1"s "s" "\0\0\0\0\0\0\0\2"s "d\n";
  CHECK(st::canonical_audit_bytes(e) == expected);
  // A field boundary cannot move: "ab"+"" and "a"+"b" differ.
  st::AuditEvent moved = e;
  moved.actor = "a";
  moved.source = "b";
  CHECK(st::canonical_audit_bytes(moved) != st::canonical_audit_bytes(e));
  // SHA-256(32 zero bytes || canonical), as python's hashlib computes it.
  CHECK(st::chain_hash(st::genesis_hash(), e) ==
        "f86898b93e2bd84ad46d59df41798506fa5e5977ccd9a76b146dab455bf83f59");
}

TEST_CASE("an untouched trail verifies, and so does an empty one", "[audit]") {
  auto report = st::verify_chain(chained(5));
  CHECK_FALSE(report.failure);
  CHECK(report.events == 5);
  CHECK(st::verify_chain({}).events == 0);
  CHECK_FALSE(st::verify_chain({}).failure);
}

TEST_CASE("each tampering is named at the first event it breaks", "[audit]") {
  struct Case {
    const char* what;
    std::function<void(std::vector<st::AuditEvent>&)> tamper;
    long id;
    const char* problem;
  };
  const std::vector<Case> cases{
      {"details edited", [](auto& t) { t[2].details = "nothing"; }, 3, "hash mismatch"},
      {"time edited", [](auto& t) { t[2].at += 1ms; }, 3, "hash mismatch"},
      {"kind edited", [](auto& t) { t[0].kind = "login.allowed "; }, 1, "hash mismatch"},
      {"edited and rehashed alone", [](auto& t) {
         t[2].details = "nothing";
         t[2].hash = st::chain_hash(t[2].prev_hash, t[2]);
       }, 4, "prev_hash mismatch"},
      {"a middle row deleted", [](auto& t) { t.erase(t.begin() + 2); }, 4,
       "gap in ids: event 3 is missing (deleted)"},
      {"two rows deleted", [](auto& t) { t.erase(t.begin() + 1, t.begin() + 3); }, 4,
       "gap in ids: events 2..3 are missing (deleted)"},
      {"the first row deleted", [](auto& t) { t.erase(t.begin()); }, 2,
       "gap in ids: event 1 is missing (deleted)"},
      {"two rows swapped (ids exchanged)", [](auto& t) {
         std::swap(t[1], t[2]);
         std::swap(t[1].id, t[2].id);
       }, 2, "out of order: its prev_hash is the hash of event 3, not of event 1"},
      {"a hash that is not hex", [](auto& t) { t[4].hash = "zz"; }, 5, "hash mismatch"},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      auto trail = chained(5);
      c.tamper(trail);
      auto report = st::verify_chain(trail);
      REQUIRE(report.failure);
      CHECK(report.failure->id == c.id);
      CHECK_THAT(report.failure->problem, Catch::StartsWith(c.problem));
    }
  }
}

TEST_CASE("a checkpoint catches the newest rows deleted and a rewritten chain", "[audit]") {
  auto trail = chained(5);
  const st::ChainAnchor anchor{4, trail[3].hash};
  CHECK_FALSE(st::verify_chain(trail, anchor).failure);

  auto truncated = trail;
  truncated.resize(3);
  CHECK_FALSE(st::verify_chain(truncated).failure);  // the chain alone cannot tell
  auto report = st::verify_chain(truncated, anchor);
  REQUIRE(report.failure);
  CHECK(report.failure->id == 4);
  CHECK(report.failure->kind.empty());
  CHECK_THAT(report.failure->problem,
             Catch::StartsWith("truncated: the checkpoint covers event 4 but the trail ends at "
                               "event 3"));

  // Rewritten from event 2 on, every hash recomputed: consistent, but not what was signed.
  auto rewritten = trail;
  rewritten[1].details = "nothing";
  for (std::size_t i = 1; i < rewritten.size(); ++i) {
    rewritten[i].prev_hash = rewritten[i - 1].hash;
    rewritten[i].hash = st::chain_hash(rewritten[i].prev_hash, rewritten[i]);
  }
  CHECK_FALSE(st::verify_chain(rewritten).failure);
  auto caught = st::verify_chain(rewritten, anchor);
  REQUIRE(caught.failure);
  CHECK(caught.failure->id == 4);
  CHECK_THAT(caught.failure->problem, Catch::StartsWith("checkpoint mismatch"));
}

TEST_CASE("hex round-trips and rejects what is not 64 hex digits", "[audit]") {
  st::Digest digest{};
  REQUIRE(st::from_hex(std::string(64, 'A'), digest));
  CHECK(st::to_hex(digest) == std::string(64, 'a'));
  CHECK_FALSE(st::from_hex(std::string(63, 'a'), digest));
  CHECK_FALSE(st::from_hex(std::string(63, 'a') + "g", digest));
}
