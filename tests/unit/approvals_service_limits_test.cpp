// Request spam, at the request service over a real SQLite file: the per-person pending cap and
// creation rate (limits.max_pending_requests, limits.request_rate) refuse with one sentence and
// store nothing, and the menu's refresh reads what is pending, not the whole history.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "approvals/service.hpp"
#include "approvals_rules_fixture.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

namespace ap = holdgate::approvals;
namespace st = holdgate::storage;

namespace {

// The real SQLite store, counting the requests it hands out: what a caller made it read.
class CountingStore final : public st::Store {
 public:
  explicit CountingStore(std::unique_ptr<st::Store> inner) : inner_(std::move(inner)) {}
  std::size_t requests_read = 0;

  std::variant<std::monostate, st::StoreError> create_request(const st::AccessRequest& r,
                                                              const st::AuditEvent& e) override {
    return inner_->create_request(r, e);
  }
  std::optional<st::AccessRequest> get_request(std::string_view id) override {
    auto found = inner_->get_request(id);
    requests_read += found ? 1 : 0;
    return found;
  }
  std::vector<st::AccessRequest> list_requests(const st::RequestFilter& filter) override {
    auto listed = inner_->list_requests(filter);
    requests_read += listed.size();
    return listed;
  }
  st::RequesterActivity requester_activity(std::string_view user, st::TimePoint now,
                                           st::TimePoint since) override {
    return inner_->requester_activity(user, now, since);
  }
  st::WriteResult update_request(const st::AccessRequest& r,
                                 const std::vector<st::AuditEvent>& events) override {
    return inner_->update_request(r, events);
  }
  std::vector<st::GrantRecord> active_grants(std::string_view user, st::TimePoint now) override {
    return inner_->active_grants(user, now);
  }
  std::optional<int> take_use(std::string_view id, st::TimePoint now,
                              const std::function<st::AuditEvent(int)>& e) override {
    return inner_->take_use(id, now, e);
  }
  std::variant<std::monostate, st::StoreError> create_lock(const st::LockRecord& lock,
                                                           const st::AuditEvent& e) override {
    return inner_->create_lock(lock, e);
  }
  st::WriteResult remove_lock(std::string_view id, std::string_view by, st::TimePoint at,
                              const st::AuditEvent& e) override {
    return inner_->remove_lock(id, by, at, e);
  }
  std::vector<st::LockRecord> active_locks(st::TimePoint now) override {
    return inner_->active_locks(now);
  }
  void append_audit(const st::AuditEvent& event) override { inner_->append_audit(event); }
  std::vector<st::AuditEvent> audit_of_kinds(const std::vector<std::string>& kinds,
                                             st::TimePoint since) override {
    return inner_->audit_of_kinds(kinds, since);
  }
  std::vector<st::AuditEvent> audit_since(st::TimePoint since) override {
    return inner_->audit_since(since);
  }
  std::optional<st::AuditEvent> latest_audit() override { return inner_->latest_audit(); }
  std::vector<st::AuditEvent> audit_after(long after_id, std::size_t limit) override {
    return inner_->audit_after(after_id, limit);
  }
  void create_web_login(const st::WebLogin& l, st::TimePoint now) override {
    inner_->create_web_login(l, now);
  }
  std::optional<st::WebLogin> take_web_login(std::string_view h, st::TimePoint now) override {
    return inner_->take_web_login(h, now);
  }
  void create_web_session(const st::WebSession& s, st::TimePoint now) override {
    inner_->create_web_session(s, now);
  }
  std::optional<st::WebSession> get_web_session(std::string_view h, st::TimePoint now) override {
    return inner_->get_web_session(h, now);
  }
  void end_web_session(std::string_view h) override { inner_->end_web_session(h); }
  int end_web_sessions(std::string_view p) override { return inner_->end_web_sessions(p); }

 private:
  std::unique_ptr<st::Store> inner_;
};

struct World {
  explicit World(cfg::Config c) : config(std::move(c)) {
    auto opened = st::open_sqlite_store(dir.file("holdgate.db"));
    REQUIRE(std::holds_alternative<std::unique_ptr<st::Store>>(opened));
    auto& sqlite = std::get<std::unique_ptr<st::Store>>(opened);
    store = std::make_unique<CountingStore>(std::move(sqlite));
    service = std::make_unique<ap::RequestService>(
        config, *store, [this] { return clock; }, ap::random_uuid);
    subscription = service->events().subscribe(
        [this](const ap::RequestChange& change) { published.push_back(change.event); });
  }
  ap::Caller caller(const std::string& name) const {
    return {config.find_user(name), "192.0.2.7:1"};
  }

  ap::Outcome<AccessRequest> create(const std::string& who, std::string reason = "ticket #1") {
    NewRequest wanted;
    wanted.roles = {"dba"};
    wanted.reason = std::move(reason);
    return service->create(caller(who), wanted);
  }
  std::string created_id(const std::string& who) {
    auto made = create(who);
    if (auto* error = std::get_if<ap::ServiceError>(&made)) FAIL(error->message);
    return std::get<AccessRequest>(made).id;
  }
  std::size_t stored_count() { return store->list_requests({}).size(); }

  TempDir dir;
  cfg::Config config;
  TimePoint clock = TimePoint(1'700'000'000s);
  std::unique_ptr<CountingStore> store;
  std::unique_ptr<ap::RequestService> service;
  std::vector<std::string> published;
  ap::RequestEvents::Subscription subscription;
};

cfg::Config limited(int max_pending, cfg::Rate rate) {
  auto config = make_fixture();
  config.limits.max_pending_requests = max_pending;
  config.limits.request_rate = rate;
  return config;
}

}  // namespace

TEST_CASE("at the pending cap, create refuses in one sentence and stores nothing",
          "[service][limits]") {
  World w(limited(2, {100, 1h}));
  auto first = w.created_id("bob");
  auto second = w.created_id("bob");
  const auto before = w.stored_count();
  const auto audit_before = w.store->audit_since(TimePoint{}).size();
  w.published.clear();

  auto refused = w.create("bob");
  REQUIRE(std::holds_alternative<ap::ServiceError>(refused));
  const auto& error = std::get<ap::ServiceError>(refused);
  CHECK(error.kind == ap::ServiceError::Kind::over_limit);
  CHECK(error.message ==
        "you have 2 pending requests already, the most allowed; cancel one or wait for a decision");
  CHECK(w.service->over_limit(w.caller("bob")).has_value());
  // Nothing stored, audited or published: reviewers, webhooks and hooks hear nothing of it.
  CHECK(w.stored_count() == before);
  CHECK(w.store->audit_since(TimePoint{}).size() == audit_before);
  CHECK(w.published.empty());
  // The pending requests themselves (perhaps held by a live session) are untouched.
  for (const auto& id : {first, second}) {
    auto stored = w.store->get_request(id);
    REQUIRE(stored);
    CHECK(stored->state == RequestState::pending);
    CHECK(stored->version == 1);
  }
  // The cap is per person: alice may still ask.
  CHECK(std::holds_alternative<AccessRequest>(w.create("alice")));
  CHECK_FALSE(w.service->over_limit(w.caller("alice")).has_value());

  // A decision frees a place.
  REQUIRE(std::holds_alternative<AccessRequest>(w.service->cancel(w.caller("bob"), first)));
  CHECK(std::holds_alternative<AccessRequest>(w.create("bob")));
  // So does expiry (the fixture's ttl is 1h).
  CHECK(std::holds_alternative<ap::ServiceError>(w.create("bob")));
  w.clock += 1h;
  CHECK(std::holds_alternative<AccessRequest>(w.create("bob")));
}

TEST_CASE("past the creation rate, create refuses until the window has room",
          "[service][limits]") {
  World w(limited(100, {3, 1h}));
  // Made and cancelled at once: the pending cap alone would never stop this loop.
  for (int i = 0; i < 3; ++i) {
    auto id = w.created_id("bob");
    REQUIRE(std::holds_alternative<AccessRequest>(w.service->cancel(w.caller("bob"), id)));
    w.clock += 10min;
  }
  const auto before = w.stored_count();
  w.published.clear();
  auto refused = w.create("bob");
  REQUIRE(std::holds_alternative<ap::ServiceError>(refused));
  CHECK(std::get<ap::ServiceError>(refused).kind == ap::ServiceError::Kind::over_limit);
  // The first was made 30m ago: it leaves the 1h window in 30m.
  CHECK(std::get<ap::ServiceError>(refused).message ==
        "you have made 3 requests in the last 1h, the most allowed; try again in 30m");
  CHECK(w.stored_count() == before);
  CHECK(w.published.empty());
  CHECK(std::holds_alternative<AccessRequest>(w.create("alice")));  // per person

  w.clock += 30min - 1s;
  CHECK(std::holds_alternative<ap::ServiceError>(w.create("bob")));
  w.clock += 1s;
  CHECK(std::holds_alternative<AccessRequest>(w.create("bob")));
}

TEST_CASE("the menu's list reads the pending requests, not the history", "[service][limits]") {
  World w(limited(1000, {1000, 1h}));
  // A long history: 200 of bob's requests, all cancelled.
  for (int i = 0; i < 200; ++i) {
    auto id = w.created_id("bob");
    REQUIRE(std::holds_alternative<AccessRequest>(w.service->cancel(w.caller("bob"), id)));
  }
  auto open = w.created_id("bob");
  auto alices = w.created_id("alice");

  w.store->requests_read = 0;
  auto shown = w.service->pending_for(w.caller("ivan"));  // ivan reviews dba
  CHECK(shown.size() == 2);
  CHECK(w.store->requests_read <= 2);

  // Own requests and reviewable ones, pending only; bob may not review his own or alice's dba.
  std::vector<std::string> bobs;
  for (const auto& r : w.service->pending_for(w.caller("bob"))) bobs.push_back(r.id);
  CHECK(bobs == std::vector<std::string>{open});
  std::vector<std::string> alice_sees;
  for (const auto& r : w.service->pending_for(w.caller("alice"))) alice_sees.push_back(r.id);
  std::sort(alice_sees.begin(), alice_sees.end());
  auto both = std::vector<std::string>{alices, open};
  std::sort(both.begin(), both.end());
  CHECK(alice_sees == both);

  // What is due expires on the way, and is not shown.
  w.clock += 2h;
  CHECK(w.service->pending_for(w.caller("ivan")).empty());
  CHECK(w.store->get_request(open)->state == RequestState::expired);
}
