// What the Store conformance suite's files share (storage_conformance_test.cpp: requests,
// reviews and grants; storage_conformance_audit_test.cpp: the audit trail, races, locks and
// uses): the backends, a fresh store per test case, and record builders.
#pragma once

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

inline std::unique_ptr<st::Store> opened_or_fail(
    std::variant<std::unique_ptr<st::Store>, st::StoreError> opened) {
  if (auto* error = std::get_if<st::StoreError>(&opened)) FAIL(error->message);
  return std::move(std::get<std::unique_ptr<st::Store>>(opened));
}

inline std::vector<Backend> backends() {
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

inline st::AccessRequest pending_request(std::string id, std::string user = "alice",
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

inline st::AuditEvent event(std::string kind, std::string subject, std::int64_t when = kT0) {
  st::AuditEvent e;
  e.at = at(when);
  e.kind = std::move(kind);
  e.actor = "alice";
  e.source = "192.0.2.7:50022";
  e.subject = std::move(subject);
  e.details = "{}";
  return e;
}

inline void create(st::Store& store, const st::AccessRequest& request) {
  auto result = store.create_request(request, event("request.created", request.id));
  if (auto* error = std::get_if<st::StoreError>(&result)) FAIL(error->message);
}

inline st::AccessRequest get(st::Store& store, const std::string& id) {
  auto found = store.get_request(id);
  REQUIRE(found.has_value());
  return *found;
}

// Field by field, so a failure names the field.
inline void check_same(const st::AccessRequest& got, const st::AccessRequest& want) {
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

inline std::vector<std::string> ids(const std::vector<st::AccessRequest>& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) out.push_back(r.id);
  return out;
}

inline std::vector<std::string> kinds(const std::vector<st::AuditEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

std::vector<st::AuditEvent> all_audit(st::Store& store) { return store.audit_since(at(0)); }

// `r` moved on by one review, as the service would write it.
inline st::AccessRequest reviewed(st::AccessRequest r, std::string reviewer, st::Decision decision,
                           std::int64_t when) {
  r.reviews.push_back({std::move(reviewer), decision, "looks right", at(when)});
  r.version += 1;
  return r;
}

inline st::AccessRequest approved(st::AccessRequest r, std::int64_t when, std::int64_t grant_ms) {
  r = reviewed(std::move(r), "bob", st::Decision::approve, when);
  r.state = st::RequestState::approved;
  r.resolved = at(when);
  r.grant_expires = at(when + grant_ms);
  r.resolution_reason = "approved by bob";
  return r;
}

}  // namespace

