// holdgate doctor's pure parts: a check's text and JSON lines, serve's refusal sentence, and
// the read-only file and schema looks (on throwaway files).
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "doctor/check.hpp"
#include "doctor/file_checks.hpp"
#include "storage/schema_status.hpp"

using holdgate::doctor::Check;
namespace fs = std::filesystem;

namespace {

fs::path scratch_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("holdgate-doctor-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("a check's text line: ok with a note, FAIL with the problem and its fix", "[doctor]") {
  using holdgate::doctor::text_line;
  CHECK(text_line(Check::passed("state_dir /var/lib/holdgate")) == "ok   state_dir /var/lib/holdgate");
  CHECK(text_line(Check::passed("database x.db", "schema 3, current")) ==
        "ok   database x.db (schema 3, current)");
  CHECK(text_line(Check::failed("approval hook ci /h", "it is not executable", "chmod 755 /h")) ==
        "FAIL approval hook ci /h: it is not executable; chmod 755 /h");
  CHECK(text_line(Check::failed("x", "broken", "")) == "FAIL x: broken");
}

TEST_CASE("names from the config cannot drive the terminal", "[doctor]") {
  auto line = holdgate::doctor::text_line(Check::failed("target evil\x1b[31m", "no key\n", "fix\r"));
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
}

TEST_CASE("a check's JSON line", "[doctor]") {
  using holdgate::doctor::json_line;
  CHECK(json_line(Check::passed("config a.yaml")) == R"({"check":"config a.yaml","ok":true})");
  CHECK(json_line(Check::passed("db", "new")) == R"({"check":"db","ok":true,"note":"new"})");
  CHECK(json_line(Check::failed("t \"1\"", "p\x1b", "f")) ==
        R"({"check":"t \"1\"","ok":false,"problem":"p\u001b","fix":"f"})");
}

TEST_CASE("serve refuses with the first failed check's problem, in serve's words", "[doctor]") {
  using holdgate::doctor::first_refusal;
  CHECK_FALSE(first_refusal({}).has_value());
  CHECK_FALSE(first_refusal({Check::passed("a"), Check::passed("b")}).has_value());
  CHECK(first_refusal({Check::passed("a"), Check::failed("b", "b is bad", "fix b"),
                       Check::failed("c", "c is bad", "fix c")}) == "b is bad");
  CHECK(holdgate::doctor::problem_and_fix(Check::failed("b", "b is bad", "fix b")) == "b is bad; fix b");
}

TEST_CASE("what can be created, and what cannot", "[doctor]") {
  using holdgate::doctor::creation_problem;
  auto dir = scratch_dir("create");
  CHECK_FALSE(creation_problem(dir / "state").has_value());
  CHECK_FALSE(creation_problem(dir / "a" / "b" / "state").has_value());  // parents made too
  std::ofstream(dir / "file") << "x";
  auto problem = creation_problem(dir / "file" / "state");
  REQUIRE(problem.has_value());
  CHECK(problem->find("is not a directory") != std::string::npos);
  CHECK(fs::exists(dir / "a") == false);  // looking creates nothing
  fs::remove_all(dir);
}

TEST_CASE("an SQLite file's schema, looked at read-only", "[doctor]") {
  auto dir = scratch_dir("schema");
  auto missing = holdgate::storage::sqlite_schema_status((dir / "none.db").string());
  REQUIRE(std::holds_alternative<std::string>(missing));
  CHECK_FALSE(fs::exists(dir / "none.db"));

  const auto newer = (dir / "newer.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(newer.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA application_id = 1214734708; PRAGMA user_version = 9999;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto status = holdgate::storage::sqlite_schema_status(newer);
  REQUIRE(std::holds_alternative<holdgate::storage::StoreError>(status));
  CHECK(std::get<holdgate::storage::StoreError>(status).message.find("newer holdgate (schema 9999") !=
        std::string::npos);

  const auto foreign = (dir / "foreign.db").string();
  REQUIRE(sqlite3_open(foreign.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK(std::holds_alternative<holdgate::storage::StoreError>(
      holdgate::storage::sqlite_schema_status(foreign)));
  fs::remove_all(dir);
}

TEST_CASE("a file with a rollback journal left by a killed start is not a reason to refuse", "[doctor]") {
  // The pair holdgate left when killed while it created the file (test_faults.py found it): a
  // read-only look cannot roll the journal back; serve's read-write open does.
  auto dir = scratch_dir("hot-journal");
  const fs::path data = fs::path(HOLDGATE_TEST_DATA) / "killed-first-start";
  for (const char* name : {"holdgate.db", "holdgate.db-journal"}) {
    fs::copy_file(data / name, dir / name);
  }
  auto status = holdgate::storage::sqlite_schema_status((dir / "holdgate.db").string());
  REQUIRE(std::holds_alternative<std::string>(status));
  CHECK(std::get<std::string>(status) == "an interrupted write is rolled back when serve starts");
  CHECK(fs::exists(dir / "holdgate.db-journal"));  // looking changed nothing
  fs::remove_all(dir);
}
