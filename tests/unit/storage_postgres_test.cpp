// PostgreSQL-only matters: a lost connection, a newer schema, a DSN's password in messages.
// The Store contract itself is in storage_conformance_test.cpp, run on both backends.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <variant>

#include "postgres_test_database.hpp"
#include "storage/store.hpp"

namespace st = holdgate::storage;

namespace {

std::unique_ptr<st::Store> open(const std::string& dsn) {
  auto opened = st::open_postgres_store(dsn);
  if (auto* error = std::get_if<st::StoreError>(&opened)) FAIL(error->message);
  return std::move(std::get<std::unique_ptr<st::Store>>(opened));
}

st::AuditEvent event(std::string kind) {
  st::AuditEvent e;
  e.at = st::TimePoint(std::chrono::milliseconds(1'700'000'000'000));
  e.kind = std::move(kind);
  e.actor = "holdgate";
  return e;
}

}  // namespace

TEST_CASE("postgres: a connection the server closed is replaced before the next call uses it",
          "[storage][postgres]") {
  PostgresTestDatabase database;
  auto store = open(database.dsn());
  store->append_audit(event("login.allowed"));
  // What a database restart does to the store's connection: the server says so and closes it.
  database.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
               database.name() + "' AND application_name = 'holdgate'");
  for (int i = 0; i < 100 && database.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = '" +
                                          database.name() + "' AND application_name = 'holdgate'") != "0";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Not "cannot reach its database": the call finds the old connection closed and connects
  // again (a restart during a held request must not fail the reviewer's approval).
  store->append_audit(event("login.denied"));
  auto all = store->audit_since(st::TimePoint{});
  REQUIRE(all.size() == 2);
  CHECK(all[1].kind == "login.denied");
  CHECK(all[1].id == 2);
}

TEST_CASE("postgres: a database from a newer holdgate is refused with one sentence",
          "[storage][postgres]") {
  PostgresTestDatabase database;
  open(database.dsn());
  database.sql("UPDATE holdgate_schema SET version = 99");
  auto opened = st::open_postgres_store(database.dsn());
  auto* error = std::get_if<st::StoreError>(&opened);
  REQUIRE(error);
  CHECK_THAT(error->message, Catch::Matches("the database postgresql://postgres@.* was written by "
                                            "a newer holdgate \\(schema 99, this build knows up "
                                            "to 2\\); refusing to open it"));
}

TEST_CASE("postgres: an unreachable database is said without the DSN's password",
          "[storage][postgres]") {
  auto opened = st::open_postgres_store(
      "postgresql://holdgate:s3cret-pw@127.0.0.1:1/holdgate?connect_timeout=2");
  auto* error = std::get_if<st::StoreError>(&opened);
  REQUIRE(error);
  CHECK(error->message.starts_with("cannot reach its database postgresql://holdgate@127.0.0.1:1/holdgate: "));
  CHECK(error->message.find("s3cret") == std::string::npos);
}
