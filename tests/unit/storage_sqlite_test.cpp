// What only the SQLite backend has: a file (its mode, its journal, what else might be at that
// path), schema migrations, and surviving a process killed in the middle of a write.
// The Store contract itself is in storage_conformance_test.cpp.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "storage/audit_verify.hpp"
#include "storage/sqlite_handles.hpp"
#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_statement.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

namespace st = holdgate::storage;
namespace sq = holdgate::storage::sqlite;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<st::Store> open_ok(const std::string& path) {
  auto opened = st::open_sqlite_store(path);
  if (auto* error = std::get_if<st::StoreError>(&opened)) FAIL(error->message);
  return std::move(std::get<std::unique_ptr<st::Store>>(opened));
}

std::string open_error(const std::string& path) {
  auto opened = st::open_sqlite_store(path);
  REQUIRE(std::holds_alternative<st::StoreError>(opened));
  return std::get<st::StoreError>(opened).message;
}

// A plain connection that bypasses the Store, to build and inspect files by hand.
sq::Database raw_open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                           nullptr);
  sq::Database db(raw);
  REQUIRE(rc == SQLITE_OK);
  return db;
}

std::string query_text(sqlite3* db, const std::string& sql) {
  sq::Statement statement(db, sql);
  REQUIRE(statement.step());
  return statement.text(0);
}

constexpr std::int64_t kT0 = 1'700'000'000'000;
st::TimePoint at(std::int64_t ms) { return st::TimePoint(std::chrono::milliseconds(ms)); }

// Request number i, fully determined by i, so a reader can tell whether it is intact.
st::AccessRequest numbered_request(int i) {
  st::AccessRequest r;
  r.id = "req-" + std::to_string(i);
  r.user = "user-" + std::to_string(i);
  r.roles = {"db-admin", "deploy", "role-" + std::to_string(i)};
  r.reason = "reason " + std::to_string(i) + std::string(200, 'x');  // a few pages' worth
  r.suggested_reviewers = {"bob", "carol"};
  r.created = at(kT0 + i);
  r.expires = at(kT0 + i + 3'600'000);
  r.login = "root";
  r.target = "db-" + std::to_string(i);
  r.version = 1;
  return r;
}

st::AuditEvent event_for(const std::string& kind, const std::string& subject) {
  st::AuditEvent e;
  e.at = at(kT0);
  e.kind = kind;
  e.actor = "holdgate";
  e.subject = subject;
  return e;
}

// Request i as the update-loop child writes it: reviewed by bob and approved.
st::AccessRequest approved_request(int i) {
  st::AccessRequest r = numbered_request(i);
  r.reviews.push_back({"bob", st::Decision::approve, "fine", at(kT0 + i + 10)});
  r.state = st::RequestState::approved;
  r.resolved = at(kT0 + i + 10);
  r.grant_expires = at(kT0 + i + 7'200'000);
  r.resolution_reason = "approved by bob";
  r.version = 2;
  return r;
}

bool same_request(const st::AccessRequest& a, const st::AccessRequest& b) {
  auto same_reviews = [&] {
    if (a.reviews.size() != b.reviews.size()) return false;
    for (std::size_t i = 0; i < a.reviews.size(); ++i) {
      const auto& x = a.reviews[i];
      const auto& y = b.reviews[i];
      if (x.reviewer != y.reviewer || x.decision != y.decision || x.reason != y.reason ||
          x.at != y.at) {
        return false;
      }
    }
    return true;
  };
  return a.id == b.id && a.user == b.user && a.roles == b.roles && a.reason == b.reason &&
         a.suggested_reviewers == b.suggested_reviewers && a.state == b.state &&
         a.created == b.created && a.expires == b.expires && a.max_duration == b.max_duration &&
         a.resolved == b.resolved && a.grant_expires == b.grant_expires &&
         a.resolution_reason == b.resolution_reason && same_reviews() && a.login == b.login &&
         a.target == b.target && a.source == b.source && a.version == b.version;
}

void check_integrity(const std::string& path) {
  sq::Database db = raw_open(path);
  CHECK(query_text(db.get(), "PRAGMA integrity_check") == "ok");
  sq::Statement orphans(db.get(), "PRAGMA foreign_key_check");  // a row per dangling reference
  CHECK_FALSE(orphans.step());
}

// How one child run ended, as the parent saw it.
struct ChildRun {
  std::vector<int> acknowledged;  // numbers the child reported as durably written
  bool killed = false;            // by our SIGKILL (not an exit or a crash of its own)
  int status = 0;
};

// Forks a child that runs `body(report)` where report(i) tells the parent that i is written.
// After `acks_before_kill` reports (or 2 s) and a random short pause, SIGKILLs the child,
// wherever it is. The child uses no Catch2: it exits with a code when something fails.
ChildRun run_and_kill(const std::function<void(const std::function<void(int)>&)>& body,
                      std::size_t acks_before_kill, std::chrono::microseconds delay) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    auto report = [fd = fds[1]](int i) {
      if (write(fd, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) _exit(10);
    };
    try {
      body(report);
    } catch (...) {
      _exit(11);
    }
    _exit(12);  // the body loops until killed
  }
  close(fds[1]);

  ChildRun run;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  bool kill_sent = false;
  auto send_kill = [&] {
    if (kill_sent) return;
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    kill_sent = true;
  };
  for (;;) {
    if (!kill_sent && (run.acknowledged.size() >= acks_before_kill ||
                       std::chrono::steady_clock::now() >= deadline)) {
      send_kill();
    }
    pollfd p{fds[0], POLLIN, 0};
    poll(&p, 1, 50);
    int i = 0;
    if ((p.revents & (POLLIN | POLLHUP)) == 0) continue;
    ssize_t n = read(fds[0], &i, sizeof i);
    if (n == static_cast<ssize_t>(sizeof i)) {
      // Reports written before the kill landed count too: the child had finished those writes.
      run.acknowledged.push_back(i);
    } else if (n <= 0) {
      break;  // the child is gone and the pipe drained
    }
  }
  close(fds[0]);
  send_kill();
  REQUIRE(waitpid(pid, &run.status, 0) == pid);
  run.killed = WIFSIGNALED(run.status) && WTERMSIG(run.status) == SIGKILL;
  return run;
}

// The audit subjects and how many events each has.
std::map<std::string, int> audit_counts(st::Store& store) {
  std::map<std::string, int> counts;
  for (const auto& e : store.audit_since(at(0))) counts[e.subject + " " + e.kind] += 1;
  return counts;
}

}  // namespace

TEST_CASE("a new database file is private, and so are its journal files", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  mode_t old_mask = umask(022);  // the usual umask would leave 0644
  auto store = open_ok(path);
  umask(old_mask);
  store->append_audit(event_for("login.allowed", "root@db-1"));  // the -wal file has content

  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    CAPTURE(file);
    struct stat info {};
    REQUIRE(stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0600);
  }
  sq::Database db = raw_open(path);
  CHECK(query_text(db.get(), "PRAGMA journal_mode") == "wal");
}

TEST_CASE("several Stores may create and migrate a new file at the same moment", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  constexpr int kOpeners = 8;
  std::vector<std::string> errors(kOpeners);
  std::vector<std::unique_ptr<st::Store>> stores(kOpeners);
  std::latch start(kOpeners);
  std::vector<std::thread> threads;
  for (int t = 0; t < kOpeners; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      auto opened = st::open_sqlite_store(path);
      if (auto* error = std::get_if<st::StoreError>(&opened)) {
        errors[t] = error->message;
      } else {
        stores[t] = std::move(std::get<std::unique_ptr<st::Store>>(opened));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kOpeners; ++t) {
    CHECK(errors[t] == "");
    CHECK(stores[t] != nullptr);
  }
  REQUIRE(stores[0] != nullptr);
  stores[0]->append_audit(event_for("login.allowed", "root@db-1"));
  REQUIRE(stores[kOpeners - 1] != nullptr);
  CHECK(stores[kOpeners - 1]->audit_since(at(0)).size() == 1);
  sq::Database db = raw_open(path);
  CHECK(sq::query_integer(db.get(), "PRAGMA user_version") == sq::latest_schema_version());
}

TEST_CASE("reopening a database keeps its data and schema version", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  {
    auto store = open_ok(path);
    REQUIRE(std::holds_alternative<std::monostate>(
        store->create_request(numbered_request(1), event_for("request.created", "req-1"))));
  }
  auto store = open_ok(path);
  auto found = store->get_request("req-1");
  REQUIRE(found.has_value());
  CHECK(same_request(*found, numbered_request(1)));
  CHECK(store->audit_since(at(0)).size() == 1);
  sq::Database db = raw_open(path);
  CHECK(sq::query_integer(db.get(), "PRAGMA user_version") == sq::latest_schema_version());
}

TEST_CASE("a version-1 database is upgraded when opened", "[storage]") {
  // With only one migration this test would prove nothing; it needs the first step to be older.
  REQUIRE(sq::latest_schema_version() >= 2);
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  {
    // What the first release wrote: the first migration only, and a request in it.
    sq::Database db = raw_open(path);
    sq::exec(db.get(), sq::migrations().front().sql);
    sq::exec(db.get(), "PRAGMA application_id = " + std::to_string(sq::kApplicationId));
    sq::exec(db.get(), "PRAGMA user_version = 1");
    sq::exec(db.get(),
             "INSERT INTO requests VALUES ('old', 'alice', 'from v1', 'PENDING', 1000, 2000, "
             "NULL, NULL, NULL, '', '', '', '', 1);"
             "INSERT INTO request_roles VALUES ('old', 0, 'deploy');"
             // A grant from before scoped grants (migration 4): it stays a role-wide grant.
             "INSERT INTO requests VALUES ('granted', 'alice', 'from v1', 'APPROVED', 1000, "
             "2000, NULL, 1500, 9000, '', 'root', 'db-1', '', 2);"
             "INSERT INTO request_roles VALUES ('granted', 0, 'dba');"
             "INSERT INTO grants VALUES ('alice', 'dba', 'granted', 9000);");
  }
  auto store = open_ok(path);
  auto found = store->get_request("old");
  REQUIRE(found.has_value());
  CHECK(found->reason == "from v1");
  CHECK(found->roles == std::vector<std::string>{"deploy"});
  CHECK(found->created == at(1000));
  auto grants = store->active_grants("alice", at(5000));
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].role == "dba");
  CHECK(grants[0].expires == at(9000));
  CHECK_FALSE(grants[0].scoped());

  sq::Database db = raw_open(path);
  CHECK(sq::query_integer(db.get(), "PRAGMA user_version") == sq::latest_schema_version());
  CHECK(sq::query_integer(db.get(),
                          "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                          "name = 'requests_by_created'") == 1);
}

TEST_CASE("a version-3 database keeps its requests, reviews and grants through the rebuild "
          "that lets it store REVOKED",
          "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  {
    sq::Database db = raw_open(path);
    sq::exec(db.get(), "PRAGMA foreign_keys = ON");  // as open_sqlite_store runs
    for (int step = 0; step < 3; ++step) sq::exec(db.get(), sq::migrations()[step].sql);
    sq::exec(db.get(), "PRAGMA application_id = " + std::to_string(sq::kApplicationId));
    sq::exec(db.get(), "PRAGMA user_version = 3");
    sq::exec(db.get(),
             "INSERT INTO requests VALUES ('ok', 'bob', 'v3', 'APPROVED', 1000, 2000, "
             "NULL, 1500, 999999999999, '', '', '', '', 3);"
             "INSERT INTO request_roles VALUES ('ok', 0, 'dba');"
             "INSERT INTO reviews VALUES ('ok', 1, 'ivan', 'APPROVE', 'fine', 1500);"
             "INSERT INTO grants VALUES ('bob', 'dba', 'ok', 999999999999);");
  }
  auto store = open_ok(path);
  auto found = store->get_request("ok");
  REQUIRE(found.has_value());
  CHECK(found->reviews.size() == 1);
  REQUIRE(store->active_grants("bob", at(2000)).size() == 1);
  found->version += 1;
  found->state = st::RequestState::revoked;
  found->grant_expires = at(3000);
  REQUIRE(store->update_request(*found, {}) == st::WriteResult::written);
  CHECK(store->get_request("ok")->state == st::RequestState::revoked);
  CHECK(store->active_grants("bob", at(3000)).empty());

  sq::Database db = raw_open(path);
  CHECK(sq::query_integer(db.get(), "SELECT count(*) FROM pragma_foreign_key_check") == 0);
  CHECK(sq::query_integer(db.get(),
                          "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                          "name LIKE 'requests_by_%'") == 3);
}

TEST_CASE("audit rows written before the hash chain are chained in id order by the migration",
          "[storage][audit]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  // The step before the one that chains the trail (the one with a C++ step after its SQL).
  int before_chain = 0;
  while (sq::migrations()[before_chain].after == nullptr) ++before_chain;
  {
    sq::Database db = raw_open(path);
    for (int step = 0; step < before_chain; ++step) sq::exec(db.get(), sq::migrations()[step].sql);
    sq::exec(db.get(), "PRAGMA application_id = " + std::to_string(sq::kApplicationId));
    sq::exec(db.get(), "PRAGMA user_version = " + std::to_string(before_chain));
    sq::exec(db.get(),
             "INSERT INTO audit (at, kind, actor, source, subject, details) VALUES "
             "(1000, 'login.allowed', 'alice', '', 'root@db-1', 'one'),"
             "(900, 'login.denied', 'bob', '', 'root@db-1', 'two');");
  }
  auto store = open_ok(path);
  store->append_audit({at(2000), "login.allowed", "alice", "", "root@db-1", "three"});
  auto all = store->audit_since(at(0));
  REQUIRE(all.size() == 3);
  CHECK(all[1].details == "two");
  CHECK(all[1].prev_hash == all[0].hash);
  CHECK(all[2].prev_hash == all[1].hash);
  CHECK_FALSE(st::verify_chain(all).failure);
  // The origin column (schema 11) came later still: rows from before it have none.
  CHECK(all[0].origin.empty());
  CHECK(all[1].origin.empty());
}

TEST_CASE("a version-10 file gains the audit origin column, old rows keeping no origin",
          "[storage][audit]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  {
    auto old_store = st::open_sqlite_store(path, "old-process");
    REQUIRE(std::holds_alternative<std::unique_ptr<st::Store>>(old_store));
    std::get<std::unique_ptr<st::Store>>(old_store)->append_audit(
        {at(1000), "login.allowed", "alice", "", "root@db-1", "before"});
  }
  {
    // Back to schema 10, as a holdgate of that version left it (without the web tables of 12).
    sq::Database db = raw_open(path);
    sq::exec(db.get(), "DROP TABLE web_logins; DROP TABLE web_sessions");
    sq::exec(db.get(), "ALTER TABLE audit DROP COLUMN origin");
    sq::exec(db.get(), "PRAGMA user_version = 10");
  }
  auto opened = st::open_sqlite_store(path, "new-process");
  REQUIRE(std::holds_alternative<std::unique_ptr<st::Store>>(opened));
  auto& store = std::get<std::unique_ptr<st::Store>>(opened);
  store->append_audit({at(2000), "login.allowed", "alice", "", "root@db-1", "after"});
  auto all = store->audit_after(0, 10);
  REQUIRE(all.size() == 2);
  CHECK(all[0].origin.empty());
  CHECK(all[1].origin == "new-process");
  CHECK_FALSE(st::verify_chain(all).failure);
  sq::Database db = raw_open(path);
  CHECK(sq::query_integer(db.get(), "PRAGMA user_version") == sq::latest_schema_version());
}

TEST_CASE("a version-11 file gains the web page's tables, its requests kept", "[storage][web]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  {
    auto old_store = st::open_sqlite_store(path, "old-process");
    REQUIRE(std::holds_alternative<std::unique_ptr<st::Store>>(old_store));
    std::get<std::unique_ptr<st::Store>>(old_store)->append_audit(
        {at(1000), "login.allowed", "alice", "", "root@db-1", "before"});
  }
  {
    sq::Database db = raw_open(path);
    sq::exec(db.get(), "DROP TABLE web_logins; DROP TABLE web_sessions");
    sq::exec(db.get(), "PRAGMA user_version = 11");
  }
  auto opened = st::open_sqlite_store(path, "new-process");
  REQUIRE(std::holds_alternative<std::unique_ptr<st::Store>>(opened));
  auto& store = std::get<std::unique_ptr<st::Store>>(opened);
  CHECK(store->audit_after(0, 10).size() == 1);
  store->create_web_login({"h", "alice", at(5000)}, at(1000));
  CHECK(store->take_web_login("h", at(2000)).has_value());
  sq::Database db = raw_open(path);
  CHECK(sq::query_integer(db.get(), "PRAGMA user_version") == sq::latest_schema_version());
}

TEST_CASE("a database from a newer holdgate is refused and left alone", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  const int newer = sq::latest_schema_version() + 1;
  {
    sq::Database db = raw_open(path);
    sq::exec(db.get(), "PRAGMA application_id = " + std::to_string(sq::kApplicationId));
    sq::exec(db.get(), "CREATE TABLE from_the_future (x)");
    sq::exec(db.get(), "PRAGMA user_version = " + std::to_string(newer));
  }
  CHECK(open_error(path) == "the database " + path + " was written by a newer holdgate (schema " +
                                std::to_string(newer) + ", this build knows up to " +
                                std::to_string(sq::latest_schema_version()) +
                                "); refusing to open it");
  sq::Database db = raw_open(path);
  CHECK(sq::query_integer(db.get(), "PRAGMA user_version") == newer);
  CHECK(query_text(db.get(), "PRAGMA journal_mode") == "delete");  // not even WAL was set
}

TEST_CASE("files that are not holdgate databases are refused", "[storage]") {
  TempDir dir;

  SECTION("not a database at all, and it is not overwritten") {
    const std::string path = dir.file("notes.txt");
    std::string text;
    for (int i = 0; i < 64; ++i) text += "this is not a database, just some text\n";
    std::ofstream(path) << text;
    std::string message = open_error(path);
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("not an SQLite database"));
    std::ifstream in(path);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == text);
  }

  SECTION("another program's SQLite database") {
    const std::string path = dir.file("other.db");
    {
      sq::Database db = raw_open(path);
      sq::exec(db.get(), "CREATE TABLE contacts (name TEXT)");
    }
    CHECK_THAT(open_error(path),
               Catch::Contains(path) && Catch::Contains("not a holdgate one"));
    sq::Database db = raw_open(path);
    CHECK(sq::query_integer(db.get(), "SELECT count(*) FROM sqlite_schema") == 1);
  }

  SECTION("an SQLite database marked as another program's") {
    const std::string path = dir.file("other.db");
    {
      sq::Database db = raw_open(path);
      sq::exec(db.get(), "PRAGMA application_id = 42");
    }
    CHECK_THAT(open_error(path), Catch::Contains(path) && Catch::Contains("another program"));
  }

  SECTION("a directory that does not exist") {
    const std::string path = dir.file("missing") + "/holdgate.db";
    CHECK_THAT(open_error(path), Catch::Contains(path) && Catch::Contains("No such file"));
  }
}

TEST_CASE("errors name the file and the operation", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  auto store = open_ok(path);
  REQUIRE(std::holds_alternative<std::monostate>(
      store->create_request(numbered_request(7), event_for("request.created", "req-7"))));
  auto again = store->create_request(numbered_request(7), event_for("request.created", "req-7"));
  REQUIRE(std::holds_alternative<st::StoreError>(again));
  CHECK_THAT(std::get<st::StoreError>(again).message,
             Catch::Contains("creating request req-7") && Catch::Contains(path) &&
                 Catch::Contains("exists already"));
}

TEST_CASE("a process killed while creating requests loses none it acknowledged", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  open_ok(path);  // created before the first child, so children never race to create it
  std::random_device seed_source;
  const unsigned seed = seed_source();
  INFO("seed " << seed);
  std::mt19937 random(seed);

  int next = 0;
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    const int first = next;
    ChildRun run = run_and_kill(
        [&](const std::function<void(int)>& report) {
          auto opened = st::open_sqlite_store(path);
          if (!std::holds_alternative<std::unique_ptr<st::Store>>(opened)) _exit(2);
          auto& store = *std::get<std::unique_ptr<st::Store>>(opened);
          for (int i = first;; ++i) {
            auto made = store.create_request(numbered_request(i),
                                             event_for("request.created", "req-" + std::to_string(i)));
            if (!std::holds_alternative<std::monostate>(made)) _exit(3);
            report(i);
          }
        },
        std::uniform_int_distribution<std::size_t>(1, 40)(random),
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(random)));
    INFO("child status " << run.status);
    REQUIRE(run.killed);
    REQUIRE_FALSE(run.acknowledged.empty());
    for (std::size_t k = 0; k < run.acknowledged.size(); ++k) {
      REQUIRE(run.acknowledged[k] == first + static_cast<int>(k));
    }

    check_integrity(path);
    auto store = open_ok(path);
    auto audit = audit_counts(*store);
    // Acknowledged: present and whole. The one after may have been written before the kill
    // and not yet reported; if it is there, it too must be whole. None beyond it.
    const int last = first + static_cast<int>(run.acknowledged.size());
    for (int i = first; i <= last; ++i) {
      CAPTURE(i);
      auto found = store->get_request("req-" + std::to_string(i));
      if (i == last && !found) break;
      REQUIRE(found.has_value());
      CHECK(same_request(*found, numbered_request(i)));
      CHECK(audit["req-" + std::to_string(i) + " request.created"] == 1);
    }
    CHECK_FALSE(store->get_request("req-" + std::to_string(last + 1)).has_value());
    next = last + 1;  // ids are never reused, whether or not `last` made it
  }
}

TEST_CASE("a process killed while approving leaves each request old or new, never a mix",
          "[storage]") {
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  constexpr int kRequests = 120;
  {
    auto store = open_ok(path);
    for (int i = 0; i < kRequests; ++i) {
      REQUIRE(std::holds_alternative<std::monostate>(store->create_request(
          numbered_request(i), event_for("request.created", "req-" + std::to_string(i)))));
    }
  }
  std::random_device seed_source;
  const unsigned seed = seed_source();
  INFO("seed " << seed);
  std::mt19937 random(seed);

  int next = 0;  // the first request still PENDING
  for (int round = 0; round < 5 && next < kRequests - 25; ++round) {
    CAPTURE(round);
    const int first = next;
    ChildRun run = run_and_kill(
        [&](const std::function<void(int)>& report) {
          auto opened = st::open_sqlite_store(path);
          if (!std::holds_alternative<std::unique_ptr<st::Store>>(opened)) _exit(2);
          auto& store = *std::get<std::unique_ptr<st::Store>>(opened);
          for (int i = first; i < kRequests; ++i) {
            std::string id = "req-" + std::to_string(i);
            if (!store.get_request(id)) _exit(3);
            auto result = store.update_request(
                approved_request(i),
                {event_for("request.reviewed", id), event_for("request.approved", id)});
            if (result != st::WriteResult::written) _exit(4);
            report(i);
          }
          for (;;) pause();  // wait for the kill, so every run ends the same way
        },
        std::uniform_int_distribution<std::size_t>(1, 20)(random),
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(random)));
    INFO("child status " << run.status);
    REQUIRE(run.killed);
    REQUIRE_FALSE(run.acknowledged.empty());

    check_integrity(path);
    auto store = open_ok(path);
    auto audit = audit_counts(*store);
    const int last = first + static_cast<int>(run.acknowledged.size());
    int approved_count = 0;
    for (int i = 0; i < kRequests; ++i) {
      CAPTURE(i);
      const std::string id = "req-" + std::to_string(i);
      auto found = store->get_request(id);
      REQUIRE(found.has_value());
      auto grants = store->active_grants("user-" + std::to_string(i), at(kT0));
      const bool is_new = same_request(*found, approved_request(i));
      if (is_new) {
        ++approved_count;
        CHECK(grants.size() == 3);
        CHECK(audit[id + " request.reviewed"] == 1);
        CHECK(audit[id + " request.approved"] == 1);
      } else {
        CHECK(same_request(*found, numbered_request(i)));
        CHECK(grants.empty());
        CHECK(audit[id + " request.reviewed"] == 0);
        CHECK(audit[id + " request.approved"] == 0);
      }
      CHECK(audit[id + " request.created"] == 1);
      // Before `last`: acknowledged, so new. `last` itself: either. After: untouched.
      if (i < last) CHECK(is_new);
      if (i > last) CHECK_FALSE(is_new);
    }
    CHECK((approved_count == last || approved_count == last + 1));
    next = approved_count;
  }
}
