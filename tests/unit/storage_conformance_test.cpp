// The Store contract, written once against Store& and run for every backend in backends():
// SQLite (a file in a temp dir) and PostgreSQL (a fresh database per test case on the server
// CTest starts, tests/postgres/start.sh). SQLite-only matters (files, modes, migrations,
// crashes) are in storage_sqlite_test.cpp, PostgreSQL-only ones in storage_postgres_test.cpp.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "storage/audit_chain.hpp"
#include "storage/audit_verify.hpp"
#include "postgres_test_database.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

namespace st = holdgate::storage;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A factory opens a Store at a location for one writing process (its origin, stamped on the
// audit events it appends); opening the same location twice gives two Stores on the same data
// (as two processes, or two bastions, would have).
struct Backend {
  std::string name;
  std::function<std::unique_ptr<st::Store>(const std::string& location, const std::string& origin)>
      open;
};

std::unique_ptr<st::Store> opened_or_fail(
    std::variant<std::unique_ptr<st::Store>, st::StoreError> opened) {
  if (auto* error = std::get_if<st::StoreError>(&opened)) FAIL(error->message);
  return std::move(std::get<std::unique_ptr<st::Store>>(opened));
}

std::vector<Backend> backends() {
  return {{"sqlite",
           [](const std::string& file, const std::string& origin) {
             return opened_or_fail(st::open_sqlite_store(file, origin));
           }},
          {"postgres", [](const std::string& dsn, const std::string& origin) {
             return opened_or_fail(st::open_postgres_store(dsn, origin));
           }}};
}

// Where a fresh, empty store of `backend` lives: a new file, or a new database.
struct FreshLocation {
  explicit FreshLocation(const std::string& backend) {
    if (backend == "postgres") {
      database = std::make_unique<PostgresTestDatabase>();
      location = database->dsn();
    } else {
      location = (dir.path() / "holdgate.db").string();
    }
  }
  TempDir dir;
  std::unique_ptr<PostgresTestDatabase> database;
  std::string location;
};

// A fresh, empty store of one backend.
struct Fixture {
  explicit Fixture(Backend b)
      : backend(std::move(b)), fresh(backend.name), location(fresh.location),
        store(backend.open(location, "origin-a")) {}
  std::unique_ptr<st::Store> another(const std::string& origin = "origin-a") const {
    return backend.open(location, origin);
  }

  Backend backend;
  FreshLocation fresh;
  std::string location;
  std::unique_ptr<st::Store> store;
};

// Times are stored in whole milliseconds; the tests use such times so round trips are exact.
constexpr std::int64_t kT0 = 1'700'000'000'123;
st::TimePoint at(std::int64_t ms) { return st::TimePoint(std::chrono::milliseconds(ms)); }

st::AccessRequest pending_request(std::string id, std::string user = "alice",
                                  std::int64_t created = kT0) {
  st::AccessRequest r;
  r.id = std::move(id);
  r.user = std::move(user);
  r.roles = {"db-admin", "deploy"};
  r.reason = "deploy the hotfix";
  r.suggested_reviewers = {"bob", "carol"};
  r.state = st::RequestState::pending;
  r.created = at(created);
  r.expires = at(created + 3'600'000);
  r.version = 1;
  return r;
}

st::AuditEvent event(std::string kind, std::string subject, std::int64_t when = kT0) {
  st::AuditEvent e;
  e.at = at(when);
  e.kind = std::move(kind);
  e.actor = "alice";
  e.source = "192.0.2.7:50022";
  e.subject = std::move(subject);
  e.details = "{}";
  return e;
}

void create(st::Store& store, const st::AccessRequest& request) {
  auto result = store.create_request(request, event("request.created", request.id));
  if (auto* error = std::get_if<st::StoreError>(&result)) FAIL(error->message);
}

st::AccessRequest get(st::Store& store, const std::string& id) {
  auto found = store.get_request(id);
  REQUIRE(found.has_value());
  return *found;
}

// Field by field, so a failure names the field.
void check_same(const st::AccessRequest& got, const st::AccessRequest& want) {
  CHECK(got.id == want.id);
  CHECK(got.user == want.user);
  CHECK(got.roles == want.roles);
  CHECK(got.reason == want.reason);
  CHECK(got.suggested_reviewers == want.suggested_reviewers);
  CHECK(got.state == want.state);
  CHECK(got.created == want.created);
  CHECK(got.expires == want.expires);
  CHECK(got.max_duration == want.max_duration);
  CHECK(got.resolved == want.resolved);
  CHECK(got.grant_expires == want.grant_expires);
  CHECK(got.resolution_reason == want.resolution_reason);
  REQUIRE(got.reviews.size() == want.reviews.size());
  for (std::size_t i = 0; i < want.reviews.size(); ++i) {
    CAPTURE(i);
    CHECK(got.reviews[i].reviewer == want.reviews[i].reviewer);
    CHECK(got.reviews[i].decision == want.reviews[i].decision);
    CHECK(got.reviews[i].reason == want.reviews[i].reason);
    CHECK(got.reviews[i].at == want.reviews[i].at);
  }
  CHECK(got.login == want.login);
  CHECK(got.target == want.target);
  CHECK(got.source == want.source);
  CHECK(got.ratification == want.ratification);
  CHECK(got.ratify_by == want.ratify_by);
  CHECK(got.version == want.version);
}

std::vector<std::string> ids(const std::vector<st::AccessRequest>& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) out.push_back(r.id);
  return out;
}

std::vector<std::string> kinds(const std::vector<st::AuditEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

std::vector<st::AuditEvent> all_audit(st::Store& store) { return store.audit_since(at(0)); }

// `r` moved on by one review, as the service would write it.
st::AccessRequest reviewed(st::AccessRequest r, std::string reviewer, st::Decision decision,
                           std::int64_t when) {
  r.reviews.push_back({std::move(reviewer), decision, "looks right", at(when)});
  r.version += 1;
  return r;
}

st::AccessRequest approved(st::AccessRequest r, std::int64_t when, std::int64_t grant_ms) {
  r = reviewed(std::move(r), "bob", st::Decision::approve, when);
  r.state = st::RequestState::approved;
  r.resolved = at(when);
  r.grant_expires = at(when + grant_ms);
  r.resolution_reason = "approved by bob";
  return r;
}

}  // namespace

TEST_CASE("a created request reads back with every field", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);

  SECTION("optional fields empty") {
    st::AccessRequest r = pending_request("11111111-1111-4111-8111-111111111111");
    r.suggested_reviewers.clear();
    r.reason.clear();
    create(*f.store, r);
    check_same(get(*f.store, r.id), r);
  }

  SECTION("every field set, with unicode and control characters kept exactly") {
    st::AccessRequest r = pending_request("22222222-2222-4222-8222-222222222222");
    static const char kReason[] =
        "zugang f\xc3\xbcr \xf0\x9f\x9a\x80 tab\there\r\nline two \x1b[31m nul>\0< del\x7f end";
    r.reason = std::string(kReason, sizeof kReason - 1);
    REQUIRE(r.reason.find('\0') != std::string::npos);
    r.roles = {"role one", "role\nwith newline", ""};
    r.suggested_reviewers = {"bob", "hook:ticket-check", "carol, the lead"};
    r.state = st::RequestState::denied;
    r.max_duration = 5400s;
    r.resolved = at(kT0 + 60'000);
    r.grant_expires = at(kT0 + 7'260'000);
    r.resolution_reason = "denied by bob: \xe2\x80\x9cnot now\xe2\x80\x9d";
    r.reviews = {{"hook:ticket-check", st::Decision::approve, "ticket OPS-1 open", at(kT0 + 1)},
                 {"bob", st::Decision::deny, "not now\n", at(kT0 + 60'000)}};
    r.login = "root";
    r.target = "db-1";
    r.source = "[2001:db8::1]:50022";
    create(*f.store, r);
    check_same(get(*f.store, r.id), r);
  }

  SECTION("break-glass: its ratification and deadline, and the awaiting filter") {
    st::AccessRequest r = pending_request("66666666-6666-4666-8666-666666666666");
    r.state = st::RequestState::approved;
    r.resolved = at(kT0);
    r.grant_expires = at(kT0 + 1'800'000);
    r.ratification = st::Ratification::awaiting;
    r.ratify_by = at(kT0 + 86'400'000);
    create(*f.store, r);
    check_same(get(*f.store, r.id), r);
    create(*f.store, pending_request("77777777-7777-4777-8777-777777777777"));
    st::RequestFilter awaiting;
    awaiting.awaiting_ratification = true;
    CHECK(ids(f.store->list_requests(awaiting)) == std::vector<std::string>{r.id});
    auto ratified = r;
    ratified.ratification = st::Ratification::ratified;
    ratified.version = 2;
    REQUIRE(f.store->update_request(ratified, {}) == st::WriteResult::written);
    check_same(get(*f.store, r.id), ratified);
    CHECK(f.store->list_requests(awaiting).empty());
  }

  SECTION("the stored version is 1 whatever the request said") {
    st::AccessRequest r = pending_request("33333333-3333-4333-8333-333333333333");
    r.version = 0;
    create(*f.store, r);
    CHECK(get(*f.store, r.id).version == 1);
  }

  SECTION("the creation event is stored with it") {
    st::AccessRequest r = pending_request("44444444-4444-4444-8444-444444444444");
    create(*f.store, r);
    auto audit = all_audit(*f.store);
    REQUIRE(audit.size() == 1);
    CHECK(audit[0].kind == "request.created");
    CHECK(audit[0].subject == r.id);
  }

  SECTION("an unknown id is not found") {
    create(*f.store, pending_request("55555555-5555-4555-8555-555555555555"));
    CHECK_FALSE(f.store->get_request("55555555-5555-4555-8555-55555555555").has_value());
    CHECK_FALSE(f.store->get_request("").has_value());
  }
}

TEST_CASE("creating a request whose id exists fails and changes nothing", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  st::AccessRequest first = pending_request("dup");
  create(*f.store, first);

  st::AccessRequest second = pending_request("dup", "mallory");
  second.reason = "overwrite";
  auto result = f.store->create_request(second, event("request.created", "dup"));
  REQUIRE(std::holds_alternative<st::StoreError>(result));
  CHECK_THAT(std::get<st::StoreError>(result).message, Catch::Contains("dup"));

  check_same(get(*f.store, "dup"), first);
  CHECK(all_audit(*f.store).size() == 1);
  CHECK(f.store->list_requests({}).size() == 1);
}

TEST_CASE("list_requests is newest first and filters by user, state and resolution",
          "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);

  // Created out of order; "b" and "c" were created in the same millisecond.
  create(*f.store, pending_request("c", "alice", kT0 + 2000));
  create(*f.store, pending_request("a", "alice", kT0));
  create(*f.store, pending_request("b", "bob", kT0 + 2000));
  st::AccessRequest denied = pending_request("d", "bob", kT0 + 1000);
  denied.state = st::RequestState::denied;
  denied.resolved = at(kT0 + 5000);
  create(*f.store, denied);
  st::AccessRequest cancelled = pending_request("e", "alice", kT0 + 3000);
  cancelled.state = st::RequestState::cancelled;
  cancelled.resolved = at(kT0 + 4000);
  create(*f.store, cancelled);

  using V = std::vector<std::string>;
  CHECK(ids(f.store->list_requests({})) == V{"e", "b", "c", "d", "a"});

  st::RequestFilter by_user;
  by_user.user = "alice";
  CHECK(ids(f.store->list_requests(by_user)) == V{"e", "c", "a"});

  st::RequestFilter by_state;
  by_state.state = st::RequestState::pending;
  CHECK(ids(f.store->list_requests(by_state)) == V{"b", "c", "a"});

  st::RequestFilter resolved_since;
  resolved_since.resolved_since = at(kT0 + 4000);  // "e" was resolved exactly then
  CHECK(ids(f.store->list_requests(resolved_since)) == V{"e", "d"});
  resolved_since.resolved_since = at(kT0 + 4001);
  CHECK(ids(f.store->list_requests(resolved_since)) == V{"d"});
  resolved_since.resolved_since = at(kT0 + 5001);
  CHECK(ids(f.store->list_requests(resolved_since)).empty());

  st::RequestFilter all_three;
  all_three.user = "bob";
  all_three.state = st::RequestState::denied;
  all_three.resolved_since = at(kT0);
  CHECK(ids(f.store->list_requests(all_three)) == V{"d"});
  all_three.user = "alice";
  CHECK(ids(f.store->list_requests(all_three)).empty());

  // Listed requests are whole, lists and all.
  auto listed = f.store->list_requests(by_user);
  REQUIRE(listed.size() == 3);
  check_same(listed[2], pending_request("a", "alice", kT0));
}

TEST_CASE("requester_activity counts live pending requests and recent creations", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);

  // alice: two pending (one past its expiry by `now`), one denied; bob: one pending.
  create(*f.store, pending_request("a1", "alice", kT0));
  create(*f.store, pending_request("a2", "alice", kT0 + 1000));
  st::AccessRequest due = pending_request("a3", "alice", kT0 + 2000);
  due.expires = at(kT0 + 5000);
  create(*f.store, due);
  st::AccessRequest denied = pending_request("a4", "alice", kT0 + 3000);
  denied.state = st::RequestState::denied;
  denied.resolved = at(kT0 + 4000);
  create(*f.store, denied);
  create(*f.store, pending_request("b1", "bob", kT0 + 500));

  const auto now = at(kT0 + 5000);  // a3 expires exactly now: no longer pending
  auto alice = f.store->requester_activity("alice", now, at(kT0 + 1000));
  CHECK(alice.pending == 2);
  // Every state counts as created, oldest first; a1 is before `since`.
  CHECK(alice.created ==
        std::vector<st::TimePoint>{at(kT0 + 1000), at(kT0 + 2000), at(kT0 + 3000)});
  CHECK(f.store->requester_activity("alice", at(kT0 + 4999), at(0)).pending == 3);
  CHECK(f.store->requester_activity("alice", now, at(0)).created.size() == 4);

  auto bob = f.store->requester_activity("bob", now, at(kT0));
  CHECK(bob.pending == 1);
  CHECK(bob.created == std::vector<st::TimePoint>{at(kT0 + 500)});
  auto nobody = f.store->requester_activity("carol", now, at(0));
  CHECK(nobody.pending == 0);
  CHECK(nobody.created.empty());

  // Resolving a request frees its place.
  auto b1 = get(*f.store, "b1");
  b1.state = st::RequestState::cancelled;
  b1.resolved = now;
  b1.version += 1;
  REQUIRE(f.store->update_request(b1, {}) == st::WriteResult::written);
  CHECK(f.store->requester_activity("bob", now, at(kT0)).pending == 0);
}

TEST_CASE("update_request is a compare-and-swap on the version", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  const st::AccessRequest original = pending_request("req-1");
  create(*f.store, original);

  SECTION("the next version writes the request, its grants and its events") {
    st::AccessRequest next = approved(original, kT0 + 10'000, 3'600'000);
    REQUIRE(next.version == 2);
    auto result = f.store->update_request(
        next, {event("request.reviewed", "req-1"), event("request.approved", "req-1")});
    CHECK(result == st::WriteResult::written);
    check_same(get(*f.store, "req-1"), next);
    CHECK(kinds(all_audit(*f.store)) ==
          std::vector<std::string>{"request.created", "request.reviewed", "request.approved"});
    CHECK(f.store->active_grants("alice", at(kT0 + 10'000)).size() == 2);
  }

  SECTION("a stale or skipped version conflicts and changes nothing") {
    st::AccessRequest first = reviewed(original, "carol", st::Decision::approve, kT0 + 5000);
    REQUIRE(f.store->update_request(first, {event("request.reviewed", "req-1")}) ==
            st::WriteResult::written);

    // Made from version 1 too, so it carries version 2 again.
    st::AccessRequest stale = approved(original, kT0 + 6000, 3'600'000);
    CHECK(f.store->update_request(stale, {event("request.approved", "req-1")}) ==
          st::WriteResult::conflict);
    st::AccessRequest skipped = approved(first, kT0 + 6000, 3'600'000);
    skipped.version = 4;
    CHECK(f.store->update_request(skipped, {event("request.approved", "req-1")}) ==
          st::WriteResult::conflict);
    st::AccessRequest same = approved(first, kT0 + 6000, 3'600'000);
    same.version = 2;
    CHECK(f.store->update_request(same, {event("request.approved", "req-1")}) ==
          st::WriteResult::conflict);

    check_same(get(*f.store, "req-1"), first);
    CHECK(f.store->active_grants("alice", at(kT0)).empty());
    CHECK(kinds(all_audit(*f.store)) ==
          std::vector<std::string>{"request.created", "request.reviewed"});
  }

  SECTION("an unknown id is not found and nothing is written") {
    st::AccessRequest ghost = approved(pending_request("ghost"), kT0 + 1000, 3'600'000);
    CHECK(f.store->update_request(ghost, {event("request.approved", "ghost")}) ==
          st::WriteResult::not_found);
    CHECK_FALSE(f.store->get_request("ghost").has_value());
    CHECK(f.store->active_grants("alice", at(kT0)).empty());
    CHECK(all_audit(*f.store).size() == 1);
  }

  SECTION("an APPROVED request without grant_expires is refused") {
    st::AccessRequest bad = approved(original, kT0 + 1000, 3'600'000);
    bad.grant_expires.reset();
    CHECK_THROWS_AS(f.store->update_request(bad, {}), std::invalid_argument);
    check_same(get(*f.store, "req-1"), original);

    st::AccessRequest created_bad = pending_request("req-2");
    created_bad.state = st::RequestState::approved;
    auto result = f.store->create_request(created_bad, event("request.created", "req-2"));
    CHECK(std::holds_alternative<st::StoreError>(result));
    CHECK_FALSE(f.store->get_request("req-2").has_value());
  }
}

TEST_CASE("reviews are appended in order and never rewritten", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  st::AccessRequest r = pending_request("req-1");
  create(*f.store, r);

  st::AccessRequest v2 = reviewed(r, "hook:ticket", st::Decision::approve, kT0 + 1);
  REQUIRE(f.store->update_request(v2, {}) == st::WriteResult::written);

  // The caller's copy of the first review was changed; the store keeps what was stored.
  st::AccessRequest v3 = reviewed(v2, "carol", st::Decision::deny, kT0 + 2);
  v3.reviews[0].reason = "rewritten";
  v3.reviews[0].decision = st::Decision::deny;
  REQUIRE(f.store->update_request(v3, {}) == st::WriteResult::written);

  // A write that leaves reviews out does not remove any.
  st::AccessRequest v4 = v3;
  v4.version = 4;
  v4.reviews.clear();
  v4.resolution_reason = "no reviews given";
  REQUIRE(f.store->update_request(v4, {}) == st::WriteResult::written);

  st::AccessRequest v5 = reviewed(get(*f.store, "req-1"), "bob", st::Decision::approve, kT0 + 3);
  REQUIRE(f.store->update_request(v5, {}) == st::WriteResult::written);

  st::AccessRequest stored = get(*f.store, "req-1");
  CHECK(stored.version == 5);
  CHECK(stored.resolution_reason == "no reviews given");
  REQUIRE(stored.reviews.size() == 3);
  CHECK(stored.reviews[0].reviewer == "hook:ticket");
  CHECK(stored.reviews[0].reason == "looks right");
  CHECK(stored.reviews[0].decision == st::Decision::approve);
  CHECK(stored.reviews[0].at == at(kT0 + 1));
  CHECK(stored.reviews[1].reviewer == "carol");
  CHECK(stored.reviews[1].decision == st::Decision::deny);
  CHECK(stored.reviews[2].reviewer == "bob");
  CHECK(stored.reviews[2].at == at(kT0 + 3));
}

TEST_CASE("grants are written on APPROVED only and end at their expiry", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  const std::int64_t decided = kT0 + 10'000;
  const std::int64_t expiry = decided + 3'600'000;

  st::AccessRequest denied = pending_request("denied");
  create(*f.store, denied);
  denied = reviewed(denied, "bob", st::Decision::deny, decided);
  denied.state = st::RequestState::denied;
  denied.resolved = at(decided);
  denied.grant_expires = at(expiry);  // set or not, only APPROVED grants anything
  REQUIRE(f.store->update_request(denied, {}) == st::WriteResult::written);

  st::AccessRequest still_pending = pending_request("pending");
  create(*f.store, still_pending);
  still_pending = reviewed(still_pending, "bob", st::Decision::approve, decided);
  still_pending.grant_expires = at(expiry);
  REQUIRE(f.store->update_request(still_pending, {}) == st::WriteResult::written);

  CHECK(f.store->active_grants("alice", at(decided)).empty());

  st::AccessRequest ok = pending_request("ok");
  create(*f.store, ok);
  REQUIRE(f.store->update_request(approved(ok, decided, expiry - decided), {}) ==
          st::WriteResult::written);
  st::AccessRequest other_user = pending_request("other", "dave");
  other_user.roles = {"viewer"};
  create(*f.store, other_user);
  REQUIRE(f.store->update_request(approved(other_user, decided, 60'000), {}) ==
          st::WriteResult::written);

  auto grants = f.store->active_grants("alice", at(expiry - 1));
  REQUIRE(grants.size() == 2);
  std::sort(grants.begin(), grants.end(),
            [](const auto& a, const auto& b) { return a.role < b.role; });
  CHECK(grants[0].role == "db-admin");
  CHECK(grants[1].role == "deploy");
  for (const auto& g : grants) {
    CHECK(g.user == "alice");
    CHECK(g.request_id == "ok");
    CHECK(g.expires == at(expiry));
    CHECK_FALSE(g.scoped());  // a request without login@target grants whole roles
    CHECK(g.login.empty());
  }
  CHECK(f.store->active_grants("alice", at(expiry)).empty());  // expired when expires == now
  CHECK(f.store->active_grants("alice", at(expiry) - 1ns).size() == 2);
  CHECK(f.store->active_grants("alice", at(expiry + 1)).empty());
  CHECK(f.store->active_grants("dave", at(decided)).size() == 1);
  CHECK(f.store->active_grants("nobody", at(decided)).empty());

  SECTION("writing an APPROVED request again moves its grants rather than adding more") {
    st::AccessRequest again = get(*f.store, "ok");
    again.version += 1;
    again.grant_expires = at(expiry + 60'000);
    REQUIRE(f.store->update_request(again, {}) == st::WriteResult::written);
    auto moved = f.store->active_grants("alice", at(decided));
    REQUIRE(moved.size() == 2);
    for (const auto& g : moved) CHECK(g.expires == at(expiry + 60'000));
  }

  SECTION("revoking or dropping an APPROVED request ends its grants at its new grant_expires") {
    auto state = GENERATE(st::RequestState::revoked, st::RequestState::dropped);
    st::AccessRequest ended = get(*f.store, "ok");
    ended.version += 1;
    ended.state = state;
    ended.grant_expires = at(decided + 1000);
    REQUIRE(f.store->update_request(ended, {}) == st::WriteResult::written);
    CHECK(get(*f.store, "ok").state == state);
    CHECK(f.store->active_grants("alice", at(decided + 999)).size() == 2);
    CHECK(f.store->active_grants("alice", at(decided + 1000)).empty());
    CHECK(f.store->active_grants("dave", at(decided + 1000)).size() == 1);  // others untouched
  }

  SECTION("a request created APPROVED has its grants") {
    st::AccessRequest born = approved(pending_request("born", "erin"), decided, 60'000);
    born.version = 1;
    create(*f.store, born);
    auto grants_of_erin = f.store->active_grants("erin", at(decided));
    REQUIRE(grants_of_erin.size() == 2);
    CHECK(grants_of_erin[0].request_id == "born");
    CHECK(grants_of_erin[0].expires == at(decided + 60'000));
  }
}

TEST_CASE("a request for one login on one target grants only that", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  const std::int64_t decided = kT0 + 10'000;
  st::AccessRequest scoped = pending_request("scoped");
  scoped.login = "root";
  scoped.target = "db-1";
  create(*f.store, scoped);
  REQUIRE(f.store->update_request(approved(scoped, decided, 60'000), {}) ==
          st::WriteResult::written);
  auto grants = f.store->active_grants("alice", at(decided));
  REQUIRE(grants.size() == 2);  // one per role, each scoped
  for (const auto& g : grants) {
    CHECK(g.scoped());
    CHECK(g.login == "root");
    CHECK(g.target == "db-1");
    CHECK(g.expires == at(decided + 60'000));
  }

  SECTION("only the login, or only the target, is no scope: a role grant") {
    st::AccessRequest half = pending_request("half", "dave");
    half.target = "db-1";
    create(*f.store, half);
    REQUIRE(f.store->update_request(approved(half, decided, 60'000), {}) ==
            st::WriteResult::written);
    for (const auto& g : f.store->active_grants("dave", at(decided))) {
      CHECK_FALSE(g.scoped());
      CHECK(g.target.empty());
    }
  }
}

TEST_CASE("audit events get increasing ids and audit_since filters by time", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);

  st::AuditEvent login = event("login.allowed", "root@db-1", kT0 + 2000);
  static const char kDetails[] = "{\"note\":\"tab\\t\"}\n\x01\0end";
  login.details = std::string(kDetails, sizeof kDetails - 1);
  REQUIRE(login.details.find('\0') != std::string::npos);
  f.store->append_audit(login);
  f.store->append_audit(event("login.denied", "root@db-2", kT0));  // earlier time, later append
  f.store->append_audit(event("login.allowed", "root@db-3", kT0 + 5000));

  auto all = all_audit(*f.store);
  REQUIRE(all.size() == 3);
  CHECK(all[0].id > 0);
  CHECK(all[0].id < all[1].id);
  CHECK(all[1].id < all[2].id);
  CHECK(all[0].at == login.at);
  CHECK(all[0].kind == login.kind);
  CHECK(all[0].actor == login.actor);
  CHECK(all[0].source == login.source);
  CHECK(all[0].subject == login.subject);
  CHECK(all[0].details == login.details);

  // Oldest first means in the order appended, not sorted by time.
  auto since = f.store->audit_since(at(kT0));
  REQUIRE(since.size() == 3);
  CHECK(since[0].subject == "root@db-1");
  CHECK(since[1].subject == "root@db-2");

  since = f.store->audit_since(at(kT0 + 2000));  // at exactly `since` counts
  REQUIRE(since.size() == 2);
  CHECK(since[0].subject == "root@db-1");
  CHECK(since[1].subject == "root@db-3");
  CHECK(f.store->audit_since(at(kT0 + 2000) + 1ns).size() == 1);
  CHECK(f.store->audit_since(at(kT0 + 5001)).empty());

  // By kind: only those kinds, in the order appended, from `since` on.
  auto allowed = f.store->audit_of_kinds({"login.allowed"}, at(kT0));
  REQUIRE(allowed.size() == 2);
  CHECK(allowed[0].subject == "root@db-1");
  CHECK(allowed[1].subject == "root@db-3");
  CHECK(f.store->audit_of_kinds({"login.denied", "login.allowed"}, at(kT0)).size() == 3);
  CHECK(f.store->audit_of_kinds({"login.allowed"}, at(kT0 + 2001)).size() == 1);
  CHECK(f.store->audit_of_kinds({"session.ended"}, at(kT0)).empty());
  CHECK(f.store->audit_of_kinds({}, at(kT0)).empty());

  // Ids keep increasing across writes of all kinds.
  create(*f.store, pending_request("req-1"));
  f.store->append_audit(event("login.allowed", "root@db-4"));
  auto later = all_audit(*f.store);
  REQUIRE(later.size() == 5);
  CHECK(later[2].id < later[3].id);
  CHECK(later[3].id < later[4].id);
  CHECK(later[3].kind == "request.created");
}

TEST_CASE("every append extends one hash chain, however many Stores write at once",
          "[storage][audit]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  CHECK_FALSE(f.store->latest_audit());
  f.store->append_audit(event("login.allowed", "root@db-1"));
  create(*f.store, pending_request("req-1"));  // an event in the request's own transaction

  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::unique_ptr<st::Store>> stores;
  for (int t = 0; t < kThreads; ++t) stores.push_back(f.another());
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        for (int i = 0; i < kEach; ++i) {
          stores[t]->append_audit(event("login.allowed", "root@db-" + std::to_string(t)));
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& e : errors) CHECK(e.empty());

  auto all = all_audit(*f.store);
  REQUIRE(all.size() == 2 + kThreads * kEach);
  auto report = st::verify_chain(all);
  CHECK_FALSE(report.failure);
  CHECK(report.events == all.size());
  CHECK(all[0].prev_hash == st::genesis_hash());
  auto newest = f.store->latest_audit();
  REQUIRE(newest);
  CHECK(newest->id == all.back().id);
  CHECK(newest->hash == all.back().hash);
}

TEST_CASE("audit_after pages through the trail by id, with each event's origin",
          "[storage][audit]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  CHECK(f.store->audit_after(0, 10).empty());
  auto other = f.another("origin-b");
  // Written by two processes, in every kind of write that appends: origins follow the writer.
  f.store->append_audit(event("login.allowed", "root@db-1"));
  create(*other, pending_request("req-1"));
  REQUIRE(other->update_request(
              [&] {
                auto r = get(*other, "req-1");
                r.version = 2;
                r.state = st::RequestState::denied;
                r.resolved = at(kT0 + 1);
                return r;
              }(),
              {event("request.reviewed", "req-1"), event("request.denied", "req-1")}) ==
          st::WriteResult::written);
  st::LockRecord lock{"lock-1", "bob", "", "", "incident", "alice", at(kT0), std::nullopt, std::nullopt, ""};
  REQUIRE(std::holds_alternative<std::monostate>(
      f.store->create_lock(lock, event("lock.created", "lock-1"))));

  auto all = f.store->audit_after(0, 100);
  REQUIRE(all.size() == 5);
  std::vector<std::string> origins;
  for (const auto& e : all) origins.push_back(e.origin);
  CHECK(origins == std::vector<std::string>{"origin-a", "origin-b", "origin-b", "origin-b",
                                            "origin-a"});
  CHECK(kinds(all) == std::vector<std::string>{"login.allowed", "request.created",
                                               "request.reviewed", "request.denied",
                                               "lock.created"});
  // The same events as the whole trail reads, hashes included: the origin is not hashed, so
  // the chain verifies whoever wrote which row.
  auto trail = all_audit(*f.store);
  REQUIRE(trail.size() == all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].id == trail[i].id);
    CHECK(all[i].hash == trail[i].hash);
    CHECK(all[i].origin == trail[i].origin);
  }
  CHECK_FALSE(st::verify_chain(all).failure);
  // The origin a caller sets is the store's to give, like the id.
  st::AuditEvent claimed = event("login.denied", "root@db-2");
  claimed.origin = "origin-forged";
  other->append_audit(claimed);
  CHECK(f.store->audit_after(all.back().id, 10).at(0).origin == "origin-b");

  // Pages: strictly after the id, oldest first, at most `limit`, nothing past the newest.
  auto first = f.store->audit_after(0, 2);
  REQUIRE(first.size() == 2);
  CHECK(first[0].id == all[0].id);
  CHECK(first[1].id == all[1].id);
  auto next = f.store->audit_after(first.back().id, 2);
  REQUIRE(next.size() == 2);
  CHECK(next[0].id == all[2].id);
  CHECK(next[1].id == all[3].id);
  CHECK(f.store->audit_after(all[3].id, 100).size() == 2);
  CHECK(f.store->audit_after(f.store->latest_audit()->id, 100).empty());
  CHECK(f.store->audit_after(0, 0).empty());
  // What another Store appends is seen by the next read: no cache stands in the way.
  const long seen = f.store->latest_audit()->id;
  other->append_audit(event("login.allowed", "root@db-3"));
  auto fresh = f.store->audit_after(seen, 10);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0].subject == "root@db-3");
  CHECK(fresh[0].id == seen + 1);  // gap-free
}

TEST_CASE("of eight Stores racing to update the same version exactly one wins", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  constexpr int kThreads = 8;
  constexpr int kRounds = 3;
  create(*f.store, pending_request("race"));

  // Each thread has its own Store on the same data, as separate processes would.
  std::vector<std::unique_ptr<st::Store>> stores;
  for (int t = 0; t < kThreads; ++t) stores.push_back(f.another());

  std::vector<std::string> winners;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    const st::AccessRequest base = get(*f.store, "race");
    std::vector<st::WriteResult> results(kThreads, st::WriteResult::not_found);
    std::vector<std::string> errors(kThreads);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::string reviewer = "reviewer-" + std::to_string(round) + "-" + std::to_string(t);
        st::AccessRequest mine = reviewed(base, reviewer, st::Decision::approve, kT0 + t);
        mine.resolution_reason = reviewer;
        start.arrive_and_wait();
        try {
          results[t] = stores[t]->update_request(mine, {event("request.reviewed", reviewer)});
        } catch (const std::exception& e) {
          errors[t] = e.what();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& e : errors) CHECK(e.empty());

    int written = 0;
    int conflicts = 0;
    std::string winner;
    for (int t = 0; t < kThreads; ++t) {
      if (results[t] == st::WriteResult::written) {
        ++written;
        winner = "reviewer-" + std::to_string(round) + "-" + std::to_string(t);
      }
      if (results[t] == st::WriteResult::conflict) ++conflicts;
    }
    REQUIRE(written == 1);
    CHECK(conflicts == kThreads - 1);
    winners.push_back(winner);

    st::AccessRequest stored = get(*f.store, "race");
    CHECK(stored.version == base.version + 1);
    CHECK(stored.resolution_reason == winner);
    REQUIRE(stored.reviews.size() == winners.size());
    for (std::size_t i = 0; i < winners.size(); ++i) CHECK(stored.reviews[i].reviewer == winners[i]);
  }
  auto audit = all_audit(*f.store);
  REQUIRE(audit.size() == 1 + kRounds);
  for (int round = 0; round < kRounds; ++round) CHECK(audit[1 + round].subject == winners[round]);
}

TEST_CASE("locks hold from creation until removed or expired", "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  auto event = [](const std::string& kind) {
    return st::AuditEvent{at(kT0), kind, "erin", "", "lock", "x"};
  };
  st::LockRecord forever{"l1", "", "db-1", "", "incident 42", "erin", at(kT0), {}, {}, ""};
  st::LockRecord brief{"l2", "bob", "", "", "laptop", "erin", at(kT0 + 1), at(kT0 + 1000), {}, ""};
  REQUIRE(std::holds_alternative<std::monostate>(f.store->create_lock(forever, event("lock.created"))));
  REQUIRE(std::holds_alternative<std::monostate>(f.store->create_lock(brief, event("lock.created"))));
  CHECK(std::holds_alternative<st::StoreError>(f.store->create_lock(brief, event("lock.created"))));

  auto held = f.store->active_locks(at(kT0 + 999));
  REQUIRE(held.size() == 2);
  CHECK(held[0].id == "l1");
  CHECK(held[0].target == "db-1");
  CHECK(held[0].reason == "incident 42");
  CHECK(held[0].created_by == "erin");
  CHECK_FALSE(held[0].expires.has_value());
  CHECK(held[1].user == "bob");
  CHECK(held[1].expires == at(kT0 + 1000));
  CHECK(f.store->active_locks(at(kT0 + 1000)).size() == 1);  // expired when expires == now

  CHECK(f.store->remove_lock("l2", "erin", at(kT0 + 1000), event("lock.removed")) ==
        st::WriteResult::not_found);  // over already
  CHECK(f.store->remove_lock("l1", "erin", at(kT0 + 2000), event("lock.removed")) ==
        st::WriteResult::written);
  CHECK(f.store->remove_lock("l1", "erin", at(kT0 + 3000), event("lock.removed")) ==
        st::WriteResult::not_found);
  CHECK(f.store->active_locks(at(kT0 + 2000)).empty());
  auto kinds = f.store->audit_since(at(0));
  CHECK(std::count_if(kinds.begin(), kinds.end(),
                      [](const auto& e) { return e.kind == "lock.removed"; }) == 1);
}

TEST_CASE("take_use takes each use once, across Stores and reopening, and never below zero",
          "[storage]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  const std::int64_t decided = kT0 + 10'000;
  st::AccessRequest limited = pending_request("limited");
  limited.until_session_end = true;
  limited.uses = 3;
  limited.uses_left = 3;
  create(*f.store, limited);
  REQUIRE(f.store->update_request(approved(limited, decided, 60'000), {}) ==
          st::WriteResult::written);
  auto use = [&](st::Store& store, std::int64_t when) {
    return store.take_use("limited", at(when), [&](int left) {
      return event("request.used", "limited:" + std::to_string(left), when);
    });
  };
  auto grants = f.store->active_grants("alice", at(decided));
  REQUIRE(grants.size() == 2);
  CHECK(grants[0].until_session_end);
  CHECK(grants[0].uses == 3);
  CHECK(grants[0].uses_left == 3);

  CHECK(use(*f.store, decided) == 2);
  // What a restart reads back: a Store opened anew on the same data.
  auto reopened = f.another();
  CHECK(get(*reopened, "limited").uses_left == 2);
  CHECK(get(*reopened, "limited").version == 3);  // a use is a change: a CAS writer must see it
  CHECK(reopened->active_grants("alice", at(decided))[0].uses_left == 2);
  CHECK(use(*reopened, decided) == 1);

  // Eight Stores race for the last use: exactly one gets it.
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<st::Store>> stores;
  for (int t = 0; t < kThreads; ++t) stores.push_back(f.another());
  std::vector<std::optional<int>> results(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = use(*stores[t], decided + 1);
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(std::count(results.begin(), results.end(), std::optional<int>(0)) == 1);
  CHECK(std::count(results.begin(), results.end(), std::nullopt) == kThreads - 1);
  CHECK(get(*f.store, "limited").uses_left == 0);
  CHECK_FALSE(use(*f.store, decided + 2).has_value());
  // One audit event per use taken, none for the refused ones.
  auto audit = kinds(all_audit(*f.store));
  CHECK(std::count(audit.begin(), audit.end(), "request.used") == 3);

  SECTION("no use is taken from a request without uses, or whose grant is over") {
    st::AccessRequest unlimited = pending_request("unlimited", "dave");
    create(*f.store, unlimited);
    REQUIRE(f.store->update_request(approved(unlimited, decided, 60'000), {}) ==
            st::WriteResult::written);
    CHECK_FALSE(f.store->take_use("unlimited", at(decided), [&](int) {
      return event("request.used", "x");
    }).has_value());
    st::AccessRequest over = pending_request("over", "erin");
    over.uses = over.uses_left = 1;
    create(*f.store, over);
    REQUIRE(f.store->update_request(approved(over, decided, 60'000), {}) ==
            st::WriteResult::written);
    CHECK_FALSE(f.store->take_use("over", at(decided + 60'000), [&](int) {
      return event("request.used", "x");
    }).has_value());
    CHECK(get(*f.store, "over").uses_left == 1);
  }
}
