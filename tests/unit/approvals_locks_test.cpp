// Incident locks in the approvals channel: planning one, and which approvals a lock blocks.
// Table-driven, on the shared rules fixture plus one admin.
#include "approvals_rules_fixture.hpp"

#include "approvals/lock_rules.hpp"

using holdgate::approvals::lock_blocking_approval;
using holdgate::approvals::NewLock;
using holdgate::approvals::plan_lock;
namespace st = holdgate::storage;

namespace {

struct PlanRow {
  const char* what;
  std::string by;
  NewLock lock;
  std::string error;  // "" when it succeeds
};

const std::vector<PlanRow> plan_rows = {
    {"an admin locks a target", "erin", {"", "db-1", "", 1h, "incident 42"}, ""},
    {"an admin locks a person until removed", "erin", {"bob", "", "", {}, "laptop"}, ""},
    {"not an admin", "alice", {"", "db-1", "", {}, "x"}, "locks are only for a role with admin: true"},
    {"nothing chosen", "erin", {"", "", "", {}, "x"}, "choose exactly one of --user, --target and --role"},
    {"two chosen", "erin", {"bob", "db-1", "", {}, "x"}, "choose exactly one of --user, --target and --role"},
    {"unknown user", "erin", {"mallory", "", "", {}, "x"}, "no user named 'mallory'"},
    {"unknown target", "erin", {"", "db-9", "", {}, "x"}, "no target named 'db-9'"},
    {"unknown role", "erin", {"", "", "root", {}, "x"}, "no role named 'root'"},
    {"blank reason", "erin", {"", "", "dba", {}, " "}, "a lock needs a reason: --reason \"...\""},
    {"reason too long", "erin", {"", "", "dba", {}, long_reason}, "the reason is longer than 1024 bytes"},
};

}  // namespace

TEST_CASE("plan_lock table", "[rules][locks]") {
  for (const auto& row : plan_rows) {
    INFO(row.what);
    auto result = plan_lock(admins, row.by, row.lock, t0, "L1");
    if (row.error.empty()) {
      REQUIRE(std::holds_alternative<st::LockRecord>(result));
      const auto& lock = std::get<st::LockRecord>(result);
      CHECK(lock.id == "L1");
      CHECK(lock.created_by == row.by);
      CHECK(lock.created == t0);
      CHECK(lock.expires == (row.lock.ttl ? std::optional<TimePoint>(t0 + *row.lock.ttl) : std::nullopt));
    } else {
      REQUIRE(std::holds_alternative<RuleError>(result));
      CHECK(std::get<RuleError>(result).message == row.error);
    }
  }
}

TEST_CASE("which approvals a lock blocks", "[rules][locks]") {
  AccessRequest request = planned("bob", {"dba"});
  request.target = "db-1";
  auto lock = [](std::string user, std::string target, std::string role) {
    return st::LockRecord{"L", user, target, role, "x", "erin", t0, {}, {}, ""};
  };
  struct Row {
    const char* what;
    st::LockRecord lock;
    bool blocks;
  };
  for (const auto& row : std::vector<Row>{
           {"the requester", lock("bob", "", ""), true},
           {"someone else", lock("alice", "", ""), false},
           {"a requested role", lock("", "", "dba"), true},
           {"another role", lock("", "", "ops"), false},
           {"the request's target", lock("", "db-1", ""), true},
           {"another target", lock("", "web-1", ""), false},
       }) {
    INFO(row.what);
    CHECK((lock_blocking_approval({row.lock}, request) != nullptr) == row.blocks);
  }
}
