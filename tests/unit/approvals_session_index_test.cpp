// Finished sessions read from the audit trail, and finding one by the ID people type.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "approvals/session_index.hpp"

namespace ap = holdgate::approvals;
using holdgate::storage::AuditEvent;
using holdgate::storage::TimePoint;

namespace {

TimePoint at(int seconds) { return TimePoint{} + std::chrono::seconds(1'000'000 + seconds); }

AuditEvent ended(int t, std::string person, std::string details) {
  return {at(t), "session.ended", std::move(person), "10.0.0.1", "root@db-1", std::move(details)};
}

std::vector<AuditEvent> trail() {
  return {
      ended(1, "alice", R"({"session":"aaaa0001","kind":"shell","roles":["dev"],"recording":"A.cast","sha256":"ABCD"})"),
      ended(2, "bob", R"({"session":"bbbb0002-2","kind":"exec","command":"id","roles":["dba"],"request":"r1"})"),
      ended(3, "alice", R"({"session":"cccc0003","kind":"shell","recording":"C.cast","sha256":"00"})"),
      {at(4), "recording.deleted", "holdgate", "", "C.cast", "deleted by retention"},
      {at(4), "recording.deleted", "holdgate", "", "A.cast", "cannot delete: busy"},
      ended(5, "carol", "not json"),
      ended(6, "carol", R"({"kind":"shell"})"),  // no session id: nothing to find it by
      {at(7), "login.allowed", "alice", "", "root@db-1", R"({"session":"dddd"})"},
  };
}

}  // namespace

TEST_CASE("ended sessions: newest first, with roles, request and deletions", "[approvals][session_index]") {
  auto sessions = ap::ended_sessions(trail());
  REQUIRE(sessions.size() == 3);
  CHECK(sessions[0].session == "cccc0003");
  CHECK(sessions[0].deleted == at(4));
  CHECK(sessions[1].session == "bbbb0002-2");
  CHECK(sessions[1].recording.empty());
  CHECK(sessions[1].command == "id");
  CHECK(sessions[1].owner().person == "bob");
  CHECK(sessions[1].owner().roles == std::vector<std::string>{"dba"});
  CHECK(sessions[1].owner().request_id == "r1");
  CHECK(sessions[2].session == "aaaa0001");
  CHECK(sessions[2].sha256 == "abcd");
  CHECK_FALSE(sessions[2].deleted);  // retention failed to delete it
}

TEST_CASE("a session is found by its id or its recording's name", "[approvals][session_index]") {
  auto sessions = ap::ended_sessions(trail());
  struct Row {
    const char* id;
    const char* found;  // session id, "" for none
  };
  const std::vector<Row> rows = {
      {"aaaa0001", "aaaa0001"}, {"A.cast", "aaaa0001"}, {"A", "aaaa0001"},
      {"bbbb0002-2", "bbbb0002-2"}, {"bbbb0002", ""},  // a channel's suffix is part of its id
      {"C.cast", "cccc0003"}, {"dddd", ""}, {"", ""}, {".cast", ""}, {"nope", ""},
  };
  for (const auto& row : rows) {
    INFO("ID '" << row.id << "'");
    const auto* found = ap::find_session(sessions, row.id);
    CHECK((found ? found->session : std::string()) == row.found);
  }
}

TEST_CASE("an id that ended twice finds the newest", "[approvals][session_index]") {
  std::vector<AuditEvent> events = {
      ended(1, "alice", R"({"session":"e1","recording":"old.cast","sha256":"1"})"),
      ended(2, "alice", R"({"session":"e1","recording":"new.cast","sha256":"2"})"),
  };
  auto sessions = ap::ended_sessions(events);
  REQUIRE(ap::find_session(sessions, "e1") != nullptr);
  CHECK(ap::find_session(sessions, "e1")->recording == "new.cast");
}

TEST_CASE("the menu's sessions: recorded, not deleted, visible, newest first, bounded",
          "[approvals][session_index]") {
  holdgate::config::Config config;
  config.users = {{"alice", {}, {}, {}}, {"bob", {}, {}, {}}};
  auto sessions = ap::ended_sessions(trail());
  // alice sees her own: aaaa0001 (recorded) and cccc0003 (deleted); bob's exec is not hers.
  const auto* alice = config.find_user("alice");
  auto mine = ap::recorded_sessions_for(config, *alice, sessions, 10);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].session == "aaaa0001");
  CHECK(ap::recorded_sessions_for(config, *alice, sessions, 0).empty());
  CHECK(ap::recorded_sessions_for(config, *config.find_user("bob"), sessions, 10).empty());
}
