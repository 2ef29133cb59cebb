// The change feed between bastions: the pure mapping from audit events to what must be read,
// then two RequestServices with their own Stores (two "bastions", two origins) on one real
// SQLite file, the second catching up on what the first wrote.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "approvals/service.hpp"
#include "cluster/change_feed.hpp"
#include "cluster/change_mapping.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
namespace cl = holdgate::cluster;
namespace st = holdgate::storage;

namespace {

st::AuditEvent audit(long id, std::string kind, std::string subject, std::string origin = "a",
                     std::string details = "", std::int64_t ms = 1'700'000'000'000) {
  st::AuditEvent e;
  e.id = id;
  e.at = st::TimePoint(std::chrono::milliseconds(ms));
  e.kind = std::move(kind);
  e.actor = "alice";
  e.subject = std::move(subject);
  e.details = std::move(details);
  e.origin = std::move(origin);
  return e;
}

std::vector<std::string> kinds(const std::vector<st::AuditEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

}  // namespace

TEST_CASE("which audit events become changes, and what each one reads", "[cluster]") {
  using What = cl::ChangeLookup::What;
  struct Row {
    st::AuditEvent event;
    std::optional<What> what;
    std::string id;
  };
  const std::vector<Row> rows{
      {audit(1, "request.created", "req-1"), What::request, "req-1"},
      {audit(1, "request.revoked", "req-1"), What::request, "req-1"},
      {audit(1, "request.used", "req-1"), What::request, "req-1"},
      {audit(1, "lock.created", "lock-1", "a", "user=bob reason=incident"), What::lock_created,
       "lock-1"},
      // A break-glass request's lock is recorded about the request; the lock's id leads.
      {audit(1, "lock.created", "req-9", "a", "lock=lock-7 role=dba reason=rejected"),
       What::lock_created, "lock-7"},
      {audit(1, "lock.removed", "lock-1", "a", "user=bob reason=incident"), What::lock_removed,
       "lock-1"},
      {audit(1, "login.allowed", "root@db-1"), std::nullopt, ""},
      {audit(1, "session.ended", "s-1"), std::nullopt, ""},
      {audit(1, "audit.checkpoint", "1"), std::nullopt, ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.event.kind, row.event.details);
    auto lookup = cl::lookup_for(row.event);
    REQUIRE(lookup.has_value() == row.what.has_value());
    if (!lookup) continue;
    CHECK(lookup->what == *row.what);
    CHECK(lookup->id == row.id);
  }
}

TEST_CASE("own events are skipped and a review is folded into the state it led to",
          "[cluster]") {
  const std::vector<st::AuditEvent> page{
      audit(1, "request.created", "r1", "b"),        // mine: published when written
      audit(2, "request.created", "r2", "a"),
      audit(3, "login.allowed", "root@db-1", "a"),   // nobody listens
      audit(4, "request.reviewed", "r2", "a"),       // one write: reviewed, then approved
      audit(5, "request.approved", "r2", "a"),
      audit(6, "request.reviewed", "r3", "a"),       // a review that decided nothing yet
      audit(7, "request.reviewed", "r3", "a", "", 1'700'000'000'500),  // a later write
      audit(8, "request.hook-answered", "r3", "b"),  // mine
      audit(9, "request.denied", "r3", "a"),         // not the same writer as 8
      audit(10, "lock.created", "l1", "a"),
  };
  CHECK(kinds(cl::events_to_publish(page, "b")) ==
        std::vector<std::string>{"request.created", "request.approved", "request.reviewed",
                                 "request.reviewed", "request.denied", "lock.created"});
  // The other bastion's view: only its own are skipped.
  CHECK(kinds(cl::events_to_publish(page, "a")) ==
        std::vector<std::string>{"request.created", "request.hook-answered"});
}

TEST_CASE("a lock.removed event reads back as the removed lock", "[cluster]") {
  struct Row {
    std::string details, user, target, role, reason;
  };
  const std::vector<Row> rows{
      {"user=bob reason=incident 42", "bob", "", "", "incident 42"},
      {"target=db-1 reason=patching", "", "db-1", "", "patching"},
      {"role=dba reason=", "", "", "dba", ""},
      {"garbled", "", "", "", ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.details);
    auto event = audit(4, "lock.removed", "lock-1", "a", row.details);
    event.actor = "carol";
    auto lock = cl::removed_lock(event);
    CHECK(lock.id == "lock-1");
    CHECK(lock.user == row.user);
    CHECK(lock.target == row.target);
    CHECK(lock.role == row.role);
    CHECK(lock.reason == row.reason);
    CHECK(lock.removed == event.at);
    CHECK(lock.removed_by == "carol");
  }
}

namespace {

// bob (dev) may request dba, one approval decides; alice reviews dba and is an admin.
cfg::Config two_bastion_config() {
  cfg::Config config;
  cfg::Target db;
  db.name = "db-1";
  config.targets.push_back(db);
  cfg::Role dev;
  dev.name = "dev";
  cfg::RequestPolicy request;
  request.roles = {"dba"};
  request.approve = 1;
  request.reason = cfg::RequestPolicy::Reason::optional;
  dev.request = request;
  cfg::Role dba;
  dba.name = "dba";
  cfg::Role reviewer;
  reviewer.name = "dba-reviewer";
  reviewer.review = cfg::ReviewPolicy{{"dba"}};
  cfg::Role admin;
  admin.name = "admin";
  admin.admin = true;
  config.roles = {dev, dba, reviewer, admin};
  cfg::User bob;
  bob.name = "bob";
  bob.roles = {"dev"};
  cfg::User alice;
  alice.name = "alice";
  alice.roles = {"dba-reviewer", "admin"};
  config.users = {bob, alice};
  config.limits.request_rate = cfg::Rate{1'000'000, std::chrono::hours(1)};
  return config;
}

struct Bastion {
  Bastion(const cfg::Config& config, const std::string& path, const std::string& origin)
      : store([&] {
          auto opened = st::open_sqlite_store(path, origin);
          if (auto* error = std::get_if<st::StoreError>(&opened)) FAIL(error->message);
          return std::move(std::get<std::unique_ptr<st::Store>>(opened));
        }()),
        service(config, *store, [] { return std::chrono::system_clock::now(); }, ap::random_uuid),
        feed(*store, origin, [] { return std::chrono::system_clock::now(); }) {
    feed.start_at_newest();
  }
  std::unique_ptr<st::Store> store;
  ap::RequestService service;
  cl::ChangeFeed feed;
};

std::vector<std::string> events(const std::vector<ap::RequestChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.event);
  return out;
}

}  // namespace

TEST_CASE("a bastion catches up on what another wrote to the same database, once",
          "[cluster]") {
  const auto config = two_bastion_config();
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  const ap::Caller bob{&config.users[0], "192.0.2.1:4000"};
  const ap::Caller alice{&config.users[1], "192.0.2.2:4000"};

  Bastion a(config, path, "origin-a");
  // Before B starts: B has read the state as stored, it needs none of this as a change.
  ap::NewRequest wanted;
  wanted.roles = {"dba"};
  REQUIRE(std::holds_alternative<st::AccessRequest>(a.service.create(bob, wanted)));
  Bastion b(config, path, "origin-b");
  CHECK(b.feed.catch_up().changes.empty());

  auto created = a.service.create(bob, wanted);
  REQUIRE(std::holds_alternative<st::AccessRequest>(created));
  const std::string id = std::get<st::AccessRequest>(created).id;
  REQUIRE(std::holds_alternative<st::AccessRequest>(
      a.service.review(alice, id, st::Decision::approve, "go")));

  auto caught = b.feed.catch_up();
  CHECK_FALSE(caught.failure);
  REQUIRE(events(caught.changes) ==
          std::vector<std::string>{"request.created", "request.approved"});
  for (const auto& change : caught.changes) {
    CHECK(change.remote);
    CHECK(change.request.id == id);
    // As stored now: the approval is in it, with its grant, whichever event it came with.
    CHECK(change.request.state == st::RequestState::approved);
    CHECK(change.request.reviews.size() == 1);
  }
  CHECK(caught.changes[0].source == bob.source);
  // Read once: nothing more until something more is written.
  CHECK(b.feed.catch_up().changes.empty());
  // A's own feed skips what A wrote.
  CHECK(a.feed.catch_up().changes.empty());

  // B's own write reaches A, not B.
  REQUIRE(std::holds_alternative<st::AccessRequest>(b.service.revoke(alice, id, "incident over")));
  CHECK(b.feed.catch_up().changes.empty());
  auto at_a = a.feed.catch_up().changes;
  REQUIRE(events(at_a) == std::vector<std::string>{"request.revoked"});
  CHECK(at_a[0].request.state == st::RequestState::revoked);
  CHECK(at_a[0].request.resolution_reason.find("incident over") != std::string::npos);

  // Locks carry the lock, created and removed.
  ap::NewLock lock;
  lock.user = "bob";
  lock.reason = "incident 42";
  auto locked = a.service.create_lock(alice, lock);
  REQUIRE(std::holds_alternative<st::LockRecord>(locked));
  const std::string lock_id = std::get<st::LockRecord>(locked).id;
  REQUIRE(std::holds_alternative<st::LockRecord>(a.service.remove_lock(alice, lock_id)));
  auto lock_changes = b.feed.catch_up().changes;
  // Removed before B read it: the creation holds nothing back any more, the removal is told.
  REQUIRE(events(lock_changes) == std::vector<std::string>{"lock.removed"});
  REQUIRE(lock_changes[0].lock);
  CHECK(lock_changes[0].lock->id == lock_id);
  CHECK(lock_changes[0].lock->user == "bob");
  CHECK(lock_changes[0].lock->removed_by == "alice");

  locked = a.service.create_lock(alice, lock);
  REQUIRE(std::holds_alternative<st::LockRecord>(locked));
  lock_changes = b.feed.catch_up().changes;
  REQUIRE(events(lock_changes) == std::vector<std::string>{"lock.created"});
  REQUIRE(lock_changes[0].lock);
  CHECK(lock_changes[0].lock->id == std::get<st::LockRecord>(locked).id);
  CHECK(lock_changes[0].lock->reason == "incident 42");
  CHECK(lock_changes[0].request.id.empty());
}

TEST_CASE("the feed pages through a long backlog without losing or repeating a change",
          "[cluster]") {
  const auto config = two_bastion_config();
  TempDir dir;
  const std::string path = dir.file("holdgate.db");
  const ap::Caller bob{&config.users[0], "192.0.2.1:4000"};
  Bastion a(config, path, "origin-a");
  Bastion b(config, path, "origin-b");
  // More than one page (256) of events, mixed with events nobody listens to.
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) {
    a.store->append_audit(audit(0, "login.allowed", "root@db-1"));
    ap::NewRequest wanted;
    wanted.roles = {"dba"};
    auto created = a.service.create(bob, wanted);
    REQUIRE(std::holds_alternative<st::AccessRequest>(created));
    ids.push_back(std::get<st::AccessRequest>(created).id);
    // Within max_pending_requests: each is cancelled before the next.
    REQUIRE(std::holds_alternative<st::AccessRequest>(a.service.cancel(bob, ids.back())));
  }
  auto caught = b.feed.catch_up();
  REQUIRE(caught.changes.size() == 600);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(caught.changes[2 * i].event == "request.created");
    CHECK(caught.changes[2 * i].request.id == ids[i]);
    CHECK(caught.changes[2 * i + 1].event == "request.cancelled");
  }
  CHECK(b.feed.cursor() == a.store->latest_audit()->id);
  CHECK(b.feed.catch_up().changes.empty());
}
