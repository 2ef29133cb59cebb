// The Store contract for the reviewer web page's login links and sessions (issue 17), for every
// backend; "another" store on the same data stands for a second bastion.
#include "storage_conformance.hpp"

TEST_CASE("a web login link is taken once, by whichever bastion asks first", "[storage][web]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  auto other = f.another("origin-b");
  f.store->create_web_login({"hash-1", "alice", at(kT0 + 120'000)}, at(kT0));
  CHECK_FALSE(other->take_web_login("hash-unknown", at(kT0)).has_value());
  auto taken = other->take_web_login("hash-1", at(kT0 + 1'000));
  REQUIRE(taken.has_value());
  CHECK(taken->person == "alice");
  CHECK(taken->expires == at(kT0 + 120'000));
  CHECK_FALSE(f.store->take_web_login("hash-1", at(kT0 + 2'000)).has_value());
  CHECK_FALSE(other->take_web_login("hash-1", at(kT0 + 2'000)).has_value());
}

TEST_CASE("an expired web login link is handed back once for the caller to refuse, then pruned",
          "[storage][web]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  f.store->create_web_login({"old", "alice", at(kT0 + 120'000)}, at(kT0));
  auto late = f.store->take_web_login("old", at(kT0 + 500'000));
  REQUIRE(late.has_value());
  CHECK(late->expires < at(kT0 + 500'000));
  // Creating a link prunes the expired ones.
  f.store->create_web_login({"stale", "bob", at(kT0 + 1'000)}, at(kT0));
  f.store->create_web_login({"fresh", "bob", at(kT0 + 300'000)}, at(kT0 + 200'000));
  CHECK_FALSE(f.store->take_web_login("stale", at(kT0 + 200'000)).has_value());
  CHECK(f.store->take_web_login("fresh", at(kT0 + 200'000)).has_value());
}

TEST_CASE("web sessions hold until they expire or their person logs out everywhere",
          "[storage][web]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO("backend: " << f.backend.name);
  auto other = f.another("origin-b");
  f.store->create_web_session({"s-alice-1", "alice", at(kT0), at(kT0 + 3'600'000)}, at(kT0));
  f.store->create_web_session({"s-alice-2", "alice", at(kT0), at(kT0 + 3'600'000)}, at(kT0));
  f.store->create_web_session({"s-bob", "bob", at(kT0), at(kT0 + 3'600'000)}, at(kT0));

  auto seen = other->get_web_session("s-alice-1", at(kT0 + 1'000));
  REQUIRE(seen.has_value());
  CHECK(seen->person == "alice");
  CHECK(seen->created == at(kT0));
  CHECK(seen->expires == at(kT0 + 3'600'000));
  CHECK_FALSE(other->get_web_session("s-alice-1", at(kT0 + 3'600'000)).has_value());  // expired
  CHECK_FALSE(other->get_web_session("nope", at(kT0)).has_value());

  other->end_web_session("s-alice-2");
  CHECK_FALSE(f.store->get_web_session("s-alice-2", at(kT0)).has_value());
  f.store->create_web_session({"s-alice-3", "alice", at(kT0), at(kT0 + 3'600'000)}, at(kT0));
  CHECK(other->end_web_sessions("alice") == 2);
  CHECK_FALSE(f.store->get_web_session("s-alice-1", at(kT0)).has_value());
  CHECK_FALSE(f.store->get_web_session("s-alice-3", at(kT0)).has_value());
  CHECK(f.store->get_web_session("s-bob", at(kT0)).has_value());
  CHECK(f.store->end_web_sessions("alice") == 0);
}
