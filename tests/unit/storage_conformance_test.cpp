// The Store contract, written once against Store& and run for every backend in backends():
// SQLite (a file in a temp dir) and PostgreSQL (a fresh database per test case on the server
// CTest starts, tests/postgres/start.sh). SQLite-only matters (files, modes, migrations,
// crashes) are in storage_sqlite_test.cpp, PostgreSQL-only ones in storage_postgres_test.cpp.
#include "storage_conformance.hpp"

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
