// Incident locks: which login a lock covers. Table-driven.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/locks.hpp"

using holdgate::policy::covering_lock;
using holdgate::policy::Lock;
using holdgate::policy::lock_sentence;

namespace {
const Lock on_bob{"L1", "bob", "", "", "laptop stolen", "erin"};
const Lock on_db1{"L2", "", "db-1", "", "incident 42", "erin"};
const Lock on_dba{"L3", "", "", "dba", "audit", "erin"};

struct CoverRow {
  const char* what;
  std::vector<Lock> locks;
  std::string person, target, role;
  std::string covered_by;  // lock id, "" for none
};

const std::vector<CoverRow> cover_rows = {
    {"no locks", {}, "bob", "db-1", "dba", ""},
    {"a person lock covers every login of theirs", {on_bob}, "bob", "web-1", "dev", "L1"},
    {"a person lock covers nobody else", {on_bob}, "alice", "db-1", "dba", ""},
    {"a target lock covers everyone there, standing roles too", {on_db1}, "alice", "db-1", "dba",
     "L2"},
    {"a target lock leaves other targets", {on_db1}, "alice", "web-1", "dba", ""},
    {"a role lock covers logins through that role", {on_dba}, "alice", "web-1", "dba", "L3"},
    {"a role lock leaves other roles", {on_dba}, "bob", "db-1", "dev", ""},
    {"the first covering lock is named", {on_bob, on_db1}, "bob", "db-1", "dev", "L1"},
    {"empty fields match nothing", {Lock{"L4", "", "", "", "x", "erin"}}, "", "", "", ""},
};
}  // namespace

TEST_CASE("covering_lock table", "[policy][locks]") {
  for (const auto& row : cover_rows) {
    INFO(row.what);
    const Lock* found = covering_lock(row.locks, row.person, row.target, row.role);
    CHECK((found ? found->id : std::string()) == row.covered_by);
  }
}

TEST_CASE("lock_sentence says what is locked, by whom and why", "[policy][locks]") {
  CHECK(lock_sentence(on_bob) == "bob is locked by erin: laptop stolen");
  CHECK(lock_sentence(on_db1) == "db-1 is locked by erin: incident 42");
  CHECK(lock_sentence(on_dba) == "role dba is locked by erin: audit");
}
