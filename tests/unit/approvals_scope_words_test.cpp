// The words every view uses for what a request asks for (approvals/scope_words.hpp).
#include "approvals/scope_words.hpp"

#include "approvals_rules_fixture.hpp"

using holdgate::approvals::scope_words;

namespace {
struct ScopeRow {
  const char* what;
  std::vector<std::string> roles;
  std::string login, target;
  std::string words;
};

const std::vector<ScopeRow> scope_rows = {
    {"scoped, one role", {"dba"}, "root", "db-1", "root@db-1 (via dba)"},
    {"scoped, two roles", {"dba", "ops"}, "root", "db-1", "root@db-1 (via dba, ops)"},
    {"role", {"dba"}, "", "", "role dba (root on kind=db)"},
    {"role allowing any target", {"ops"}, "", "", "role ops (deploy on any target)"},
    {"two roles", {"dba", "ops"}, "", "", "role dba (root on kind=db), role ops (deploy on any target)"},
    {"a role that allows no login", {"dba-reviewer"}, "", "", "role dba-reviewer (no logins)"},
    {"a role the config no longer has", {"gone"}, "", "", "role gone"},
    {"only a target is no scope", {"dba"}, "", "db-1", "role dba (root on kind=db)"},
};
}  // namespace

TEST_CASE("scope_words table", "[render]") {
  const ScopeRow row = GENERATE(from_range(scope_rows));
  CAPTURE(row.what);
  AccessRequest request;
  request.roles = row.roles;
  request.login = row.login;
  request.target = row.target;
  CHECK(scope_words(fixture, request) == row.words);
}

TEST_CASE("scope_words: several rules and label values", "[render]") {
  cfg::Role role{"mixed",
                 {{{"root", "ubuntu"}, sel({{"env", {"prod", "staging"}}, {"kind", {"db"}}})},
                  {{"*"}, cfg::LabelSelector{true, {}}}},
                 {}, {}, 1h};
  CHECK(holdgate::approvals::role_allows_words(role) ==
        "root,ubuntu on env=prod|staging,kind=db; * on any target");
}

TEST_CASE("progress carries the scope words", "[render]") {
  AccessRequest request = planned("bob", {"dba"});
  CHECK(progress(fixture, request).scope == "role dba (root on kind=db)");
  request.login = "root";
  request.target = "db-1";
  CHECK(progress(fixture, request).scope == "root@db-1 (via dba)");
}
