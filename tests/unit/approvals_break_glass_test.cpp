// Break-glass: access at once after a reason and the typed target name, ratified afterwards
// by the role's reviewers, or the person is locked. Tables on the shared rules fixture plus
// pat, whose `emergency` role offers dba as break-glass.
#include "approvals_rules_fixture.hpp"

using holdgate::approvals::break_glass_lock;
using holdgate::approvals::lapse_if_unratified;
using holdgate::storage::Ratification;

namespace {

// pat [emergency]; emergency: request {roles: [dba], break_glass: true, approve: 2,
// break_glass_duration: 30m, ratify_within: 24h}. quinn [dev, emergency] may ask for dba both
// ways, and the ordinary review wins.
cfg::Config with_break_glass() {
  cfg::Config c = make_fixture();
  cfg::Role emergency{"emergency", {}, cfg::RequestPolicy{{"dba"}, {"alice"}, 2}, {}, 1h};
  emergency.request->break_glass = true;
  c.roles.push_back(emergency);
  c.users.push_back({"pat", {}, {"emergency"}, {}});
  c.users.push_back({"quinn", {}, {"dev", "emergency"}, {}});
  return c;
}
const cfg::Config glass = with_break_glass();

NewRequest break_glass_for(std::string login, std::string target, std::string confirm,
                           std::string reason = "db-1 is down") {
  NewRequest request;
  request.login = std::move(login);
  request.target = std::move(target);
  request.confirm = std::move(confirm);
  request.reason = std::move(reason);
  request.break_glass = true;
  return request;
}

std::variant<AccessRequest, RuleError> plan(const std::string& who, const NewRequest& request) {
  return plan_request(glass, *glass.find_user(who), request, t0, kId);
}

AccessRequest granted() {
  auto result = plan("pat", break_glass_for("root", "db-1", "db-1"));
  if (auto* error = std::get_if<RuleError>(&result)) FAIL("plan_request: " << error->message);
  return std::get<AccessRequest>(result);
}

struct PlanRow {
  const char* what;
  std::string who;
  NewRequest request;
  std::string error;  // "" when it is granted at once
};

NewRequest ordinary(std::string login, std::string target) {
  NewRequest request;
  request.login = std::move(login);
  request.target = std::move(target);
  request.reason = "why";
  return request;
}

const std::vector<PlanRow> plan_rows = {
    {"reason and the exact target name", "pat", break_glass_for("root", "db-1", "db-1"), ""},
    {"a wrong confirmation", "pat", break_glass_for("root", "db-1", "db-2"),
     "the confirmation does not match the target name 'db-1'; nothing was done"},
    {"a confirmation in another case", "pat", break_glass_for("root", "db-1", "DB-1"),
     "the confirmation does not match the target name 'db-1'; nothing was done"},
    {"an empty confirmation", "pat", break_glass_for("root", "db-1", ""),
     "the confirmation does not match the target name 'db-1'; nothing was done"},
    {"no reason", "pat", break_glass_for("root", "db-1", "db-1", " "),
     "a reason is required to request role 'dba'"},
    {"a login the role does not allow", "pat", break_glass_for("ubuntu", "db-1", "db-1"),
     "no role you can request allows ubuntu on db-1"},
    {"not scoped", "pat", break_glass_for("", "", ""),
     "break-glass access is for one login on one target: --login and --target"},
    {"an ordinary request for a break-glass role", "pat", ordinary("root", "db-1"),
     "no role you can request allows root on db-1"},
    {"a break-glass request for an ordinary role", "bob", break_glass_for("root", "db-1", "db-1"),
     "no role you can request allows root on db-1"},
    {"offered both ways: the ordinary review wins", "quinn",
     break_glass_for("root", "db-1", "db-1"), "no role you can request allows root on db-1"},
};

}  // namespace

TEST_CASE("break-glass planning table", "[rules][break-glass]") {
  for (const auto& row : plan_rows) {
    INFO(row.what);
    auto result = plan(row.who, row.request);
    if (row.error.empty()) {
      REQUIRE(std::holds_alternative<AccessRequest>(result));
      const auto& request = std::get<AccessRequest>(result);
      CHECK(request.state == RequestState::approved);  // at once, without reviewers
      CHECK(request.roles == std::vector<std::string>{"dba"});
      CHECK(request.login == "root");
      CHECK(request.target == "db-1");
      CHECK(request.resolved == t0);
      CHECK(request.grant_expires == t0 + 30min);  // break_glass_duration, not max_duration
      CHECK(request.ratification == Ratification::awaiting);
      CHECK(request.ratify_by == t0 + 24h);
      CHECK(request.resolution_reason == "break-glass access, to be ratified within 1d");
    } else {
      REQUIRE(std::holds_alternative<RuleError>(result));
      CHECK(std::get<RuleError>(result).message == row.error);
    }
  }
}

TEST_CASE("a role-named break-glass request for an ordinary role is refused", "[rules][break-glass]") {
  auto request = break_glass_for("root", "db-1", "db-1");
  request.roles = {"dba"};
  auto result = plan("bob", request);
  REQUIRE(std::holds_alternative<RuleError>(result));
  CHECK(std::get<RuleError>(result).message == "role 'dba' cannot be requested as break-glass");
  auto normal = ordinary("root", "db-1");
  normal.roles = {"dba"};
  auto refused = plan("pat", normal);
  REQUIRE(std::holds_alternative<RuleError>(refused));
  CHECK(std::get<RuleError>(refused).message == "role 'dba' is break-glass only: add --break-glass");
}

namespace {

struct RatifyRow {
  const char* what;
  std::vector<Step> steps;  // applied with the break-glass config; the last may fail
  std::string error;        // of the last step; "" when it succeeds
  Ratification ratification;
  RequestState state;
  std::string resolution;
  std::optional<milliseconds> grant_ends;  // after t0
};

const std::vector<RatifyRow> ratify_rows = {
    {"one approval of two", {approve("alice", 1h)}, "", Ratification::awaiting,
     RequestState::approved, "break-glass access, to be ratified within 1d", 30min},
    {"the role's approvals ratify", {approve("alice", 1h), approve("ivan", 2h)}, "",
     Ratification::ratified, RequestState::approved,
     "break-glass access, to be ratified within 1d", 30min},
    {"a rejection while the grant holds ends it",
     {deny("ivan", 10min, "not an emergency")}, "", Ratification::rejected,
     RequestState::revoked, "rejected by ivan: not an emergency", 10min},
    {"a rejection after the grant ended keeps its state", {deny("ivan", 2h, "no")}, "",
     Ratification::rejected, RequestState::approved, "rejected by ivan: no", 30min},
    {"a rejection needs a reason", {deny("ivan", 1h)},
     "a rejection of break-glass access needs a reason: --reason \"...\"",
     Ratification::awaiting, RequestState::approved, "", {}},
    {"not by the requester", {approve("pat", 1h)},
     "you cannot ratify your own break-glass request", Ratification::awaiting,
     RequestState::approved, "", {}},
    {"not by a reviewer of another role", {approve("olga", 1h)},
     "you cannot ratify break-glass request req-1", Ratification::awaiting,
     RequestState::approved, "", {}},
    {"not twice", {approve("alice", 1h), approve("alice", 2h)},
     "you have already reviewed request req-1", Ratification::awaiting, RequestState::approved,
     "", {}},
    {"not after the window", {approve("alice", 24h)},
     "the ratification window of break-glass request req-1 has passed", Ratification::awaiting,
     RequestState::approved, "", {}},
    {"not once ratified", {approve("alice", 1h), approve("ivan", 2h), deny("dave", 3h, "late")},
     "request req-1 is already APPROVED", Ratification::ratified, RequestState::approved, "", {}},
};

}  // namespace

TEST_CASE("break-glass ratification table", "[rules][break-glass]") {
  for (const auto& row : ratify_rows) {
    INFO(row.what);
    AccessRequest request = granted();
    std::optional<RuleError> error;
    for (const auto& step : row.steps) {
      auto result = apply_review(glass, request, step.actor,
                                 step.act == Act::approve ? Decision::approve : Decision::deny,
                                 step.reason, t0 + step.at);
      if (auto* failed = std::get_if<RuleError>(&result)) {
        error = *failed;
        break;
      }
      request = std::get<AccessRequest>(std::move(result));
    }
    CHECK((error ? error->message : "") == row.error);
    CHECK(request.ratification == row.ratification);
    CHECK(request.state == row.state);
    if (row.error.empty()) {
      CHECK(request.resolution_reason == row.resolution);
      CHECK(request.grant_expires == t0 + *row.grant_ends);
      CHECK(request.version == 1 + static_cast<long>(row.steps.size()));
    }
  }
}

TEST_CASE("an unratified break-glass request lapses at its deadline", "[rules][break-glass]") {
  AccessRequest request = granted();
  CHECK_FALSE(lapse_if_unratified(request, t0 + 24h - 1ms));
  auto lapsed = lapse_if_unratified(request, t0 + 24h);
  REQUIRE(lapsed);
  CHECK(lapsed->ratification == Ratification::unratified);
  CHECK(lapsed->state == RequestState::approved);  // its 30m grant ended long ago
  CHECK(lapsed->grant_expires == t0 + 30min);
  CHECK(lapsed->resolution_reason == "not ratified within 1d");
  CHECK(lapsed->version == request.version + 1);
  CHECK_FALSE(lapse_if_unratified(*lapsed, t0 + 25h));  // once

  // A short window, while the grant still holds: the grant ends now.
  AccessRequest short_window = request;
  short_window.ratify_by = t0 + 3s;
  auto ended = lapse_if_unratified(short_window, t0 + 3s);
  REQUIRE(ended);
  CHECK(ended->state == RequestState::revoked);
  CHECK(ended->grant_expires == t0 + 3s);
  CHECK(ended->resolution_reason == "not ratified within 3s");

  // Ratified or ordinary requests never lapse.
  AccessRequest ratified = request;
  ratified.ratification = Ratification::ratified;
  CHECK_FALSE(lapse_if_unratified(ratified, t0 + 48h));
  CHECK_FALSE(lapse_if_unratified(planned("bob", {"dba"}), t0 + 48h));
}

TEST_CASE("a rejected or unratified request locks its requester", "[rules][break-glass]") {
  AccessRequest request = granted();
  CHECK_FALSE(break_glass_lock(request, t0, "lock-1"));  // awaiting: no lock
  auto lapsed = *lapse_if_unratified(request, t0 + 24h);
  auto lock = break_glass_lock(lapsed, t0 + 24h, "lock-1");
  REQUIRE(lock);
  CHECK(lock->id == "lock-1");
  CHECK(lock->user == "pat");
  CHECK(lock->target.empty());
  CHECK(lock->role.empty());
  CHECK(lock->created_by == "holdgate");
  CHECK(lock->created == t0 + 24h);
  CHECK_FALSE(lock->expires);  // until an admin removes it
  CHECK(lock->reason == "break-glass request req-1 was not ratified within 1d");

  auto rejected = std::get<AccessRequest>(
      apply_review(glass, request, "ivan", Decision::deny, "not an emergency", t0 + 1h));
  CHECK(break_glass_lock(rejected, t0 + 1h, "lock-2")->reason ==
        "break-glass request req-1 was rejected by ivan: not an emergency");
  auto ratified = std::get<AccessRequest>(apply_review(
      glass, std::get<AccessRequest>(apply_review(glass, request, "alice", Decision::approve, "",
                                                  t0 + 1h)),
      "ivan", Decision::approve, "", t0 + 2h));
  CHECK_FALSE(break_glass_lock(ratified, t0 + 2h, "lock-3"));
}

TEST_CASE("a break-glass request awaiting ratification lists who can ratify", "[rules][break-glass]") {
  auto p = progress(glass, granted());
  CHECK(p.scope == "BREAK-GLASS root@db-1 (via dba)");
  CHECK(p.approvals_needed == 2);
  CHECK(p.can_still_review == std::vector<std::string>{"alice", "ivan", "dave"});
}
