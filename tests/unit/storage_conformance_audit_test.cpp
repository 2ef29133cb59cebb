// The Store contract (audit trail, concurrent writers, locks, uses), written once against Store& and run for every backend in backends():
// SQLite (a file in a temp dir) and PostgreSQL (a fresh database per test case on the server
// CTest starts, tests/postgres/start.sh). SQLite-only matters (files, modes, migrations,
// crashes) are in storage_sqlite_test.cpp, PostgreSQL-only ones in storage_postgres_test.cpp.
#include "storage_conformance.hpp"

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
