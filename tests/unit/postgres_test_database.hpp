// A fresh PostgreSQL database for one test, on the server CTest starts (tests/postgres/start.sh,
// fixture "postgres"), dropped afterwards. The server's DSN comes from HOLDGATE_TEST_POSTGRES;
// without it the test fails and says how to start one (never a silent skip).
#pragma once

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include <unistd.h>

class PostgresTestDatabase {
 public:
  PostgresTestDatabase() {
    const char* server = std::getenv("HOLDGATE_TEST_POSTGRES");
    if (!server || !*server) {
      FAIL("HOLDGATE_TEST_POSTGRES is not set: run the tests with ctest (it starts PostgreSQL), or "
           "start one with tests/postgres/start.sh DIR and export HOLDGATE_TEST_POSTGRES to the "
           "DSN it prints");
    }
    server_ = server;
    static std::atomic<int> counter{0};
    name_ = "holdgate_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin("CREATE DATABASE " + name_);
    created_ = true;
  }
  ~PostgresTestDatabase() {
    // FORCE: a Store a failed test left open must not keep the database alive.
    if (created_) admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", false);
  }
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  // The test database's DSN (the server's, its dbname replaced: a later keyword wins).
  std::string dsn() const { return server_ + " dbname=" + name_; }
  const std::string& name() const { return name_; }

  // Runs SQL in the test database as the server's superuser (to inspect or tamper).
  // Runs `statement` in the test's database; the first row's first value, "" when none.
  std::string sql(const std::string& statement) const { return run(dsn(), statement, true); }

 private:
  void admin(const std::string& statement, bool must = true) const { run(server_, statement, must); }

  static std::string run(const std::string& dsn, const std::string& statement, bool must) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(dsn.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      if (must) FAIL("cannot reach the test PostgreSQL: " << PQerrorMessage(conn.get()));
      return {};
    }
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);  // "does not exist, skipping"
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), statement.c_str()),
                                                         &PQclear);
    auto status = PQresultStatus(result.get());
    if (must && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      FAIL(statement << ": " << PQerrorMessage(conn.get()));
    }
    if (status != PGRES_TUPLES_OK || PQntuples(result.get()) == 0) return {};
    return PQgetvalue(result.get(), 0, 0);
  }

  std::string server_;
  std::string name_;
  bool created_ = false;
};
