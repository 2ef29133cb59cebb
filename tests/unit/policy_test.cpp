// Access policy: selectors, role rules, key lookup and login decisions. Table-driven, one row per
// case, against a small config built in code.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "config/config.hpp"
#include "policy/access.hpp"

namespace cfg = holdgate::config;
using namespace std::chrono_literals;
using holdgate::policy::decide_login;
using holdgate::policy::find_user_by_key;
using holdgate::policy::Grant;
using holdgate::policy::LoginPermit;
using holdgate::policy::role_allows;
using holdgate::policy::selector_matches;
using holdgate::policy::TimePoint;

namespace {

cfg::LabelSelector sel(std::map<std::string, std::vector<std::string>> labels) {
  return cfg::LabelSelector{false, std::move(labels)};
}
const cfg::LabelSelector any_target{true, {}};

// targets: db-1 {env: prod, kind: db}, web-1 {env: staging}, db-2 {env: prod, kind: db}
// users:   bob [dev], alice [dev, dba-reviewer], carol [ghost, dba] (ghost is undefined),
//          erin [] (no roles), frank [ops, dev]
// roles:   dev    allow ubuntu on {env: staging}; may request dba
//          dba    allow root on {kind: db}; max_duration 8h
//          dba-reviewer  reviews dba, allows nothing
//          ops    allow * on {env: staging}, and postgres on {kind: db}
cfg::Config make_fixture() {
  cfg::Config c;
  c.targets = {
      {"db-1", {"10.0.0.1", 22}, {{"env", "prod"}, {"kind", "db"}}},
      {"web-1", {"10.0.0.2", 22}, {{"env", "staging"}}},
      {"db-2", {"10.0.0.3", 22}, {{"env", "prod"}, {"kind", "db"}}},
  };
  c.users = {
      {"bob", {{"ssh-ed25519", "AAAAbob", "bob@laptop"}}, {"dev"}, {}},
      {"alice",
       {{"ssh-ed25519", "AAAAalice", ""}, {"ecdsa-sha2-nistp256", "AAAAalice2", "alice@yubikey"}},
       {"dev", "dba-reviewer"},
       {}},
      {"carol", {{"ssh-ed25519", "AAAAcarol", ""}}, {"ghost", "dba"}, {}},
      {"erin", {{"ssh-rsa", "AAAAerin", ""}}, {}, {}},
      {"frank", {}, {"ops", "dev"}, {}},
  };

  cfg::Role dev{"dev", {{{"ubuntu"}, sel({{"env", {"staging"}}})}}, cfg::RequestPolicy{}, {}, 1h};
  dev.request->roles = {"dba"};
  cfg::Role dba{"dba", {{{"root"}, sel({{"kind", {"db"}}})}}, {}, {}, 8h};
  cfg::Role reviewer{"dba-reviewer", {}, {}, cfg::ReviewPolicy{{"dba"}}, 1h};
  cfg::Role ops{"ops",
                {{{"*"}, sel({{"env", {"staging"}}})}, {{"postgres"}, sel({{"kind", {"db"}}})}},
                {},
                {},
                1h};
  c.roles = {dev, dba, reviewer, ops};
  return c;
}

const cfg::Config fixture = make_fixture();

const cfg::Target& target(const std::string& name) {
  for (const auto& t : fixture.targets) {
    if (t.name == name) return t;
  }
  FAIL("fixture has no target " << name);
  throw;  // unreachable
}
const cfg::User& user(const std::string& name) {
  for (const auto& u : fixture.users) {
    if (u.name == name) return u;
  }
  FAIL("fixture has no user " << name);
  throw;
}
const cfg::Role& role(const std::string& name) {
  for (const auto& r : fixture.roles) {
    if (r.name == name) return r;
  }
  FAIL("fixture has no role " << name);
  throw;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// selector_matches

namespace {
struct SelectorRow {
  const char* what;
  cfg::LabelSelector selector;
  cfg::Labels labels;
  bool matches;
};

const std::vector<SelectorRow> selector_rows = {
    {"any_target, no labels", any_target, {}, true},
    {"any_target, some labels", any_target, {{"env", "prod"}}, true},
    {"single value, equal", sel({{"env", {"prod"}}}), {{"env", "prod"}}, true},
    {"single value, different", sel({{"env", {"staging"}}}), {{"env", "prod"}}, false},
    {"single value, case differs", sel({{"env", {"Prod"}}}), {{"env", "prod"}}, false},
    {"single value, extra target labels", sel({{"env", {"prod"}}}),
     {{"env", "prod"}, {"kind", "db"}, {"team", "x"}}, true},
    {"list, first value", sel({{"env", {"staging", "prod"}}}), {{"env", "staging"}}, true},
    {"list, second value", sel({{"env", {"staging", "prod"}}}), {{"env", "prod"}}, true},
    {"list, no value", sel({{"env", {"staging", "prod"}}}), {{"env", "dev"}}, false},
    {"star, label present", sel({{"env", {"*"}}}), {{"env", "anything"}}, true},
    {"star, label present but empty", sel({{"env", {"*"}}}), {{"env", ""}}, true},
    {"star, label absent", sel({{"env", {"*"}}}), {{"kind", "db"}}, false},
    {"star among values", sel({{"env", {"prod", "*"}}}), {{"env", "staging"}}, true},
    {"target value '*' is not special", sel({{"env", {"prod"}}}), {{"env", "*"}}, false},
    {"two labels, both match", sel({{"env", {"prod"}}, {"kind", {"db"}}}),
     {{"env", "prod"}, {"kind", "db"}}, true},
    {"two labels, one missing", sel({{"env", {"prod"}}, {"kind", {"db"}}}), {{"env", "prod"}},
     false},
    {"two labels, one differs", sel({{"env", {"prod"}}, {"kind", {"db"}}}),
     {{"env", "prod"}, {"kind", "web"}}, false},
    {"two labels, star and value", sel({{"env", {"*"}}, {"kind", {"db"}}}),
     {{"env", "staging"}, {"kind", "db"}}, true},
    {"missing label, target has none", sel({{"kind", {"db"}}}), {}, false},
    {"missing label, target has others", sel({{"kind", {"db"}}}), {{"env", "prod"}}, false},
    {"empty selector vs labels", sel({}), {{"env", "prod"}}, false},
    {"empty selector vs no labels", sel({}), {}, false},
    {"label with no values", sel({{"env", {}}}), {{"env", "prod"}}, false},
};
}  // namespace

TEST_CASE("selector_matches table", "[policy]") {
  const SelectorRow row = GENERATE(from_range(selector_rows));
  CAPTURE(row.what);
  CHECK(selector_matches(row.selector, row.labels) == row.matches);
}

// ---------------------------------------------------------------------------------------------
// role_allows

namespace {
struct RoleRow {
  std::string role, login, target;
  bool allows;
};

const std::vector<RoleRow> role_rows = {
    {"dev", "ubuntu", "web-1", true},
    {"dev", "root", "web-1", false},      // wrong login
    {"dev", "Ubuntu", "web-1", false},    // logins are exact
    {"dev", "*", "web-1", false},         // a requested "*" is just a name
    {"dev", "ubuntu", "db-1", false},     // wrong target
    {"dba", "root", "db-1", true},
    {"dba", "ubuntu", "db-1", false},     // wrong login
    {"dba", "root", "web-1", false},      // wrong target
    {"dba-reviewer", "root", "db-1", false},  // no allow rules
    {"dba-reviewer", "ubuntu", "web-1", false},
    {"ops", "ubuntu", "web-1", true},     // login "*"
    {"ops", "root", "web-1", true},       // login "*"
    {"ops", "*", "web-1", true},
    {"ops", "postgres", "db-1", true},    // second rule
    {"ops", "root", "db-1", false},       // "*" login belongs to the staging rule only
};
}  // namespace

TEST_CASE("role_allows table", "[policy]") {
  const RoleRow row = GENERATE(from_range(role_rows));
  CAPTURE(row.role, row.login, row.target);
  CHECK(role_allows(role(row.role), row.login, target(row.target)) == row.allows);
}

// ---------------------------------------------------------------------------------------------
// find_user_by_key

namespace {
struct KeyRow {
  std::string type, blob;
  std::string user;  // "" when no user
};

const std::vector<KeyRow> key_rows = {
    {"ssh-ed25519", "AAAAbob", "bob"},
    {"ssh-ed25519", "AAAAalice", "alice"},
    {"ecdsa-sha2-nistp256", "AAAAalice2", "alice"},  // a user's second key
    {"ssh-rsa", "AAAAerin", "erin"},
    {"ssh-rsa", "AAAAbob", ""},                      // same blob, wrong type
    {"ssh-ed25519", "AAAAalice2", ""},               // same blob, wrong type
    {"ssh-ed25519", "AAAAunknown", ""},              // unknown
    {"ssh-ed25519", "AAAAbo", ""},                   // prefix of a blob
    {"ssh-ed25519", "AAAAbobX", ""},                 // blob plus more
    {"ssh-ed25519", "aaaabob", ""},                  // base64 is case-sensitive
    {"ssh-ed25519", "bob@laptop", ""},               // the comment is not the key
    {"", "", ""},
};
}  // namespace

TEST_CASE("find_user_by_key table", "[policy]") {
  const KeyRow row = GENERATE(from_range(key_rows));
  CAPTURE(row.type, row.blob);
  const cfg::User* found = find_user_by_key(fixture, row.type, row.blob);
  if (row.user.empty()) {
    CHECK(found == nullptr);
  } else {
    REQUIRE(found != nullptr);
    CHECK(found->name == row.user);
    CHECK(found == &user(row.user));  // points into the config
  }
}

// ---------------------------------------------------------------------------------------------
// decide_login

namespace {
const TimePoint now = TimePoint{} + std::chrono::hours(480'000);  // fixed; no clock reads

struct GrantSpec {
  std::string role;
  std::chrono::seconds from_now;
  std::string login = {}, target = {};  // a scoped grant when set
  std::optional<int> uses = {}, uses_left = {};  // `grant: {uses: N}`; request id "r-" + role
};

struct DecideRow {
  const char* what;
  std::string user, login, target;
  std::vector<GrantSpec> grants;
  bool allowed;
  std::string role;                               // when allowed
  std::optional<std::chrono::seconds> expires;    // relative to now; nullopt: standing
  std::string reason;
};

const std::vector<DecideRow> decide_rows = {
    {"standing allow", "bob", "ubuntu", "web-1", {}, true, "dev", {}, "allowed by role dev"},
    {"standing allow, second standing role", "alice", "ubuntu", "web-1", {}, true, "dev", {},
     "allowed by role dev"},
    {"deny, wrong login", "bob", "root", "web-1", {}, false, "", {},
     "bob may not log in as root on web-1"},
    {"deny, wrong target", "bob", "ubuntu", "db-1", {}, false, "", {},
     "bob may not log in as ubuntu on db-1"},
    {"deny, reviewer role allows no login", "alice", "root", "db-1", {}, false, "", {},
     "alice may not log in as root on db-1"},
    {"grant allows, with expiry", "bob", "root", "db-1", {{"dba", 1h}}, true, "dba", 1h,
     "allowed by role dba (granted)"},
    {"grant one second from expiry", "bob", "root", "db-1", {{"dba", 1s}}, true, "dba", 1s,
     "allowed by role dba (granted)"},
    {"grant expiring exactly now is expired", "bob", "root", "db-1", {{"dba", 0s}}, false, "", {},
     "bob may not log in as root on db-1"},
    {"grant expired before now", "bob", "root", "db-1", {{"dba", -1s}}, false, "", {},
     "bob may not log in as root on db-1"},
    {"grant long expired", "bob", "root", "db-1", {{"dba", -8h}}, false, "", {},
     "bob may not log in as root on db-1"},
    {"grant of a role that does not allow", "bob", "root", "db-1", {{"dev", 1h}}, false, "", {},
     "bob may not log in as root on db-1"},
    {"standing preferred over grant", "bob", "ubuntu", "web-1", {{"ops", 1h}}, true, "dev", {},
     "allowed by role dev"},
    {"standing preferred over grant of the same role", "bob", "ubuntu", "web-1", {{"dev", 1h}},
     true, "dev", {}, "allowed by role dev"},
    {"first allowing standing role wins", "frank", "ubuntu", "web-1", {}, true, "ops", {},
     "allowed by role ops"},
    {"later standing role allows", "frank", "postgres", "db-1", {}, true, "ops", {},
     "allowed by role ops"},
    {"latest grant chosen", "bob", "root", "db-1", {{"dba", 1h}, {"dba", 3h}, {"dba", 2h}}, true,
     "dba", 3h, "allowed by role dba (granted)"},
    {"latest grant chosen, first listed", "bob", "root", "db-1", {{"dba", 3h}, {"dba", 1h}}, true,
     "dba", 3h, "allowed by role dba (granted)"},
    {"latest allowing grant, later non-allowing ignored", "erin", "postgres", "db-1",
     {{"ops", 2h}, {"dba", 5h}, {"ops", 1h}}, true, "ops", 2h, "allowed by role ops (granted)"},
    {"live grant chosen over expired one", "bob", "root", "db-1", {{"dba", 0s}, {"dba", 30min}},
     true, "dba", 30min, "allowed by role dba (granted)"},
    {"equal expiry: earlier grant", "erin", "ubuntu", "web-1", {{"ops", 1h}, {"dev", 1h}}, true,
     "ops", 1h, "allowed by role ops (granted)"},
    {"unknown granted role ignored, deny", "bob", "root", "db-1", {{"ghost", 1h}}, false, "", {},
     "bob may not log in as root on db-1"},
    {"unknown granted role ignored, other grant allows", "bob", "root", "db-1",
     {{"ghost", 5h}, {"dba", 1h}}, true, "dba", 1h, "allowed by role dba (granted)"},
    {"unknown standing role ignored", "carol", "root", "db-1", {}, true, "dba", {},
     "allowed by role dba"},
    {"unknown standing role ignored, deny", "carol", "ubuntu", "web-1", {}, false, "", {},
     "carol may not log in as ubuntu on web-1"},
    {"user without roles, deny", "erin", "ubuntu", "web-1", {}, false, "", {},
     "erin may not log in as ubuntu on web-1"},
    {"user without roles, grant allows", "erin", "root", "db-1", {{"dba", 8h}}, true, "dba", 8h,
     "allowed by role dba (granted)"},
    // scoped grants: exactly one login on one target
    {"scoped grant allows its login on its target", "bob", "root", "db-1",
     {{"dba", 1h, "root", "db-1"}}, true, "dba", 1h, "allowed by role dba (granted)"},
    {"scoped grant: another target the role allows is denied", "bob", "root", "db-2",
     {{"dba", 1h, "root", "db-1"}}, false, "", {}, "bob may not log in as root on db-2"},
    {"scoped grant: another login the role allows is denied", "erin", "ubuntu", "web-1",
     {{"ops", 1h, "deploy", "web-1"}}, false, "", {}, "erin may not log in as ubuntu on web-1"},
    {"scoped grant the role no longer allows is denied", "bob", "ubuntu", "db-1",
     {{"dba", 1h, "ubuntu", "db-1"}}, false, "", {}, "bob may not log in as ubuntu on db-1"},
    {"scoped grant expiring now is expired", "bob", "root", "db-1",
     {{"dba", 0s, "root", "db-1"}}, false, "", {}, "bob may not log in as root on db-1"},
    {"scoped and role grant: the later expiry wins", "bob", "root", "db-1",
     {{"dba", 1h, "root", "db-1"}, {"dba", 2h}}, true, "dba", 2h, "allowed by role dba (granted)"},
    {"role grant still covers every target of the role", "bob", "root", "db-2",
     {{"dba", 1h, "root", "db-1"}, {"dba", 30min}}, true, "dba", 30min,
     "allowed by role dba (granted)"},
    // grants with uses (issue 12, section 3): one with none left allows no new login
    {"grant with a use left allows", "bob", "root", "db-1", {{"dba", 1h, "", "", 1, 1}}, true,
     "dba", 1h, "allowed by role dba (granted)"},
    {"grant with no use left is refused, saying so", "bob", "root", "db-1",
     {{"dba", 1h, "root", "db-1", 1, 0}}, false, "", {},
     "the access granted by request r-dba has been used (it allowed 1 login)"},
    {"several uses, all taken", "bob", "root", "db-1", {{"dba", 1h, "", "", 3, 0}}, false, "", {},
     "the access granted by request r-dba has been used (it allowed 3 logins)"},
    {"used-up grant, another grant allows", "bob", "root", "db-1",
     {{"dba", 2h, "", "", 1, 0}, {"dba", 1h}}, true, "dba", 1h, "allowed by role dba (granted)"},
    {"used-up grant, a standing role allows", "bob", "ubuntu", "web-1", {{"dev", 1h, "", "", 1, 0}},
     true, "dev", {}, "allowed by role dev"},
    {"used-up grant that does not cover the login says nothing of it", "bob", "root", "db-2",
     {{"dba", 1h, "root", "db-1", 1, 0}}, false, "", {}, "bob may not log in as root on db-2"},
    {"used-up grant already expired: a plain denial", "bob", "root", "db-1",
     {{"dba", 0s, "", "", 1, 0}}, false, "", {}, "bob may not log in as root on db-1"},
    {"uses unknown (a running session asks again): the grant allows", "bob", "root", "db-1",
     {{"dba", 1h, "", "", 1, std::nullopt}}, true, "dba", 1h, "allowed by role dba (granted)"},
};
}  // namespace

TEST_CASE("decide_login table", "[policy]") {
  const DecideRow row = GENERATE(from_range(decide_rows));
  CAPTURE(row.what);
  std::vector<Grant> grants;
  for (const auto& g : row.grants) {
    grants.push_back({g.role, now + g.from_now, g.login, g.target, "r-" + g.role, g.uses,
                      g.uses_left});
  }

  const auto decision =
      decide_login(fixture, user(row.user), row.login, target(row.target), grants, now);

  CHECK(decision.reason == row.reason);
  CHECK(decision.used_up == (decision.reason.find("has been used") != std::string::npos));
  REQUIRE(decision.allowed() == row.allowed);
  if (!row.allowed) return;
  const LoginPermit& permit = *decision.permit;
  CHECK(permit.person() == row.user);
  CHECK(permit.login() == row.login);
  CHECK(&permit.target() == &target(row.target));  // the config's target, not a copy
  CHECK(permit.role() == row.role);
  // Which grant allowed it, so its uses and session-end term apply to the right request.
  CHECK(permit.request_id() == (row.expires ? "r-" + row.role : ""));
  if (row.expires) {
    REQUIRE(permit.expires().has_value());
    CHECK(*permit.expires() == now + *row.expires);
  } else {
    CHECK_FALSE(permit.expires().has_value());
  }
}

TEST_CASE("only decide_login makes a LoginPermit", "[policy]") {
  STATIC_REQUIRE_FALSE(std::is_default_constructible_v<LoginPermit>);
  STATIC_REQUIRE_FALSE(std::is_constructible_v<LoginPermit, std::string, std::string,
                                               const cfg::Target&, std::string,
                                               std::optional<TimePoint>>);
  STATIC_REQUIRE(std::is_copy_constructible_v<LoginPermit>);  // passing one on is fine
}
