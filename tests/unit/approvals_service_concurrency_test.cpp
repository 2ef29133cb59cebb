// Many reviewers acting at the same moment, as they would on several bastions sharing one
// database: every thread has its own Store connection and its own RequestService on the same
// SQLite file. The first terminal transition must win and nothing may change it afterwards.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "approvals/service.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

namespace ap = holdgate::approvals;
namespace cfg = holdgate::config;
namespace st = holdgate::storage;

namespace {

constexpr int reviewer_count = 8;

// bob (dev) may request dba: 3 approvals or 1 denial decide; reviewers r0..r7 review dba.
cfg::Config concurrency_config() {
  cfg::Config config;
  cfg::Target db;
  db.name = "db-1";
  db.labels = {{"kind", "db"}};
  config.targets.push_back(db);

  cfg::Role dev;
  dev.name = "dev";
  cfg::RequestPolicy request;
  request.roles = {"dba"};
  request.approve = 3;
  request.deny = 1;
  request.reason = cfg::RequestPolicy::Reason::optional;
  dev.request = request;
  cfg::Role dba;
  dba.name = "dba";
  cfg::AllowRule root;
  root.logins = {"root"};
  root.targets.labels = {{"kind", {"db"}}};
  dba.allow.push_back(root);
  cfg::Role reviewer;
  reviewer.name = "dba-reviewer";
  reviewer.review = cfg::ReviewPolicy{{"dba"}};
  config.roles = {dev, dba, reviewer};

  cfg::User bob;
  bob.name = "bob";
  bob.roles = {"dev"};
  config.users.push_back(bob);
  for (int i = 0; i < reviewer_count; ++i) {
    cfg::User r;
    r.name = "r" + std::to_string(i);
    r.roles = {"dba-reviewer"};
    config.users.push_back(r);
  }
  return config;
}

std::unique_ptr<st::Store> open_store(const std::string& path) {
  auto opened = st::open_sqlite_store(path);
  REQUIRE(std::holds_alternative<std::unique_ptr<st::Store>>(opened));
  return std::move(std::get<std::unique_ptr<st::Store>>(opened));
}

ap::RequestService service_on(const cfg::Config& config, st::Store& store) {
  return ap::RequestService(config, store, [] { return std::chrono::system_clock::now(); },
                            ap::random_uuid);
}

}  // namespace

TEST_CASE("concurrent reviews from many connections end in exactly one terminal state",
          "[service][concurrency]") {
  const auto config = concurrency_config();
  TempDir dir;
  const std::string path = dir.file("holdgate.db");

  // Mixes where approvals win the race and where the single denial does.
  for (int round = 0; round < 6; ++round) {
    std::string id;
    {
      auto store = open_store(path);
      auto service = service_on(config, *store);
      ap::NewRequest wanted;
      wanted.roles = {"dba"};
      auto created = service.create({&config.users[0], "test"}, wanted);
      REQUIRE(std::holds_alternative<st::AccessRequest>(created));
      id = std::get<st::AccessRequest>(created).id;
    }
    int denier = round % 2 == 0 ? round % reviewer_count : -1;  // odd rounds: approvals only

    std::atomic<int> ready{0};
    std::vector<std::variant<st::AccessRequest, ap::ServiceError>> outcomes(reviewer_count);
    std::vector<std::thread> threads;
    for (int i = 0; i < reviewer_count; ++i) {
      threads.emplace_back([&, i] {
        auto store = open_store(path);
        auto service = service_on(config, *store);
        ++ready;
        while (ready < reviewer_count) std::this_thread::yield();
        auto decision = i == denier ? st::Decision::deny : st::Decision::approve;
        outcomes[i] = service.review({&config.users[1 + i], "test"}, id, decision, "r" + std::to_string(i));
      });
    }
    for (auto& t : threads) t.join();

    auto store = open_store(path);
    auto stored = store->get_request(id);
    REQUIRE(stored);
    INFO("round " << round);
    REQUIRE(stored->state != st::RequestState::pending);

    // The stored reviews are exactly the accepted ones, and they explain the final state.
    int accepted = 0, approvals_before_end = 0;
    for (const auto& outcome : outcomes) accepted += std::holds_alternative<st::AccessRequest>(outcome);
    CHECK(static_cast<int>(stored->reviews.size()) == accepted);
    for (const auto& review : stored->reviews) {
      approvals_before_end += review.decision == st::Decision::approve;
    }
    const auto& last = stored->reviews.back();
    if (stored->state == st::RequestState::approved) {
      CHECK(last.decision == st::Decision::approve);
      CHECK(approvals_before_end == 3);  // the third approval ended it; nobody got in after
      int grants = 0;
      for (const auto& grant : store->active_grants("bob", std::chrono::system_clock::now())) {
        grants += grant.request_id == id;
      }
      CHECK(grants == 1);
    } else {
      REQUIRE(stored->state == st::RequestState::denied);
      CHECK(last.decision == st::Decision::deny);
      CHECK(approvals_before_end < 3);
    }
    // Every refused reviewer was told it is no longer pending, never something else.
    for (const auto& outcome : outcomes) {
      if (auto* error = std::get_if<ap::ServiceError>(&outcome)) {
        CHECK(error->kind == ap::ServiceError::Kind::not_pending);
      }
    }
    // Once terminal, nothing changes it.
    auto service = service_on(config, *store);
    auto late = service.review({&config.users[1 + reviewer_count - 1], "test"}, id,
                               st::Decision::deny, "late");
    CHECK(std::holds_alternative<ap::ServiceError>(late));
    CHECK(store->get_request(id)->state == stored->state);
    CHECK(store->get_request(id)->reviews.size() == stored->reviews.size());
  }
}
