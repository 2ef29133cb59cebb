// The storage worker (runtime/storage_worker.hpp): calls run on its thread and come back to the
// caller's loop with the result; a failing database comes back as StorageUnreachable; changes
// reach the loop's listeners in order, on the loop; a full queue refuses at once.
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include "runtime/storage_worker.hpp"
#include "storage/latency_store.hpp"
#include "temp_dir.hpp"

namespace hg = holdgate;
namespace st = holdgate::storage;
namespace ap = holdgate::approvals;

namespace {

std::unique_ptr<st::Store> store_in(const TempDir& dir) {
  auto opened = st::open_sqlite_store(dir.file("holdgate.db"));
  REQUIRE(std::holds_alternative<std::unique_ptr<st::Store>>(opened));
  return std::move(std::get<std::unique_ptr<st::Store>>(opened));
}

// What each test's worker needs around it: a database file, a config, a log and a loop.
struct Around {
  TempDir dir;
  holdgate::config::Config config;
  std::ostringstream log_text;
  hg::EventLog log{log_text};
  hg::asio::io_context io;
};

template <class Body>
void on_loop(hg::asio::io_context& io, Body body) {
  std::exception_ptr failure;
  hg::asio::co_spawn(io, body(), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

TEST_CASE("a storage call runs on the worker thread and resumes on the loop", "[storage_worker]") {
  Around at;
  auto& io = at.io;
  hg::StorageWorker worker(io, at.config, store_in(at.dir), at.log);
  const auto loop_thread = std::this_thread::get_id();
  std::vector<std::string> seen;  // on the loop
  auto subscription = worker.events().subscribe([&](const ap::RequestChange& change) {
    CHECK(std::this_thread::get_id() == loop_thread);
    seen.push_back(change.event);
  });
  on_loop(io, [&]() -> hg::awaitable<void> {
    auto ran_on = co_await worker.run([](ap::RequestService&) { return std::this_thread::get_id(); });
    CHECK(ran_on != loop_thread);
    CHECK(std::this_thread::get_id() == loop_thread);
    auto none = co_await worker.run([](ap::RequestService& s) { return s.latest_audit(); });
    CHECK_FALSE(none.has_value());
    co_await worker.run([](ap::RequestService& s) {
      s.record({s.now(), "login.allowed", "alice", "127.0.0.1:1", "root@db-1", "role dba"});
    });
    auto newest = co_await worker.run([](ap::RequestService& s) { return s.latest_audit(); });
    REQUIRE(newest.has_value());
    CHECK(newest->kind == "login.allowed");
    // A StoreFailure on the worker is one sentence on the loop, and logged with its words.
    bool unreachable = false;
    try {
      co_await worker.run([](ap::RequestService&) -> int { throw st::StoreFailure("disk I/O error"); });
    } catch (const hg::StorageUnreachable& e) {
      unreachable = std::string(e.what()) == "cannot reach its database; try again";
    }
    CHECK(unreachable);
  });
  CHECK(at.log_text.str().find("disk I/O error") != std::string::npos);
  CHECK(seen.empty());  // record() publishes nothing
}

TEST_CASE("while the database fails, beyond one owner's places the worker refuses at once",
          "[storage_worker]") {
  Around at;
  auto& io = at.io;
  hg::StorageWorker worker(io, at.config, st::with_latency(store_in(at.dir), std::chrono::milliseconds(20)),
                           at.log, {.queue_limit = 4, .owner_limit = 2});
  int done = 0, refused = 0;
  auto one = [&](std::string owner) -> hg::awaitable<void> {
    try {
      co_await worker.run([](ap::RequestService& s) { return s.latest_audit(); }, owner);
      ++done;
    } catch (const hg::StorageUnreachable&) {
      ++refused;
    }
  };
  auto burst = [&] {
    for (int i = 0; i < 3; ++i) hg::asio::co_spawn(io, one("bob"), hg::asio::detached);
    hg::asio::co_spawn(io, one("alice"), hg::asio::detached);
    for (int i = 0; i < 2; ++i) hg::asio::co_spawn(io, one("ivan"), hg::asio::detached);
  };
  // While the database answers, everyone waits their turn.
  burst();
  io.run();
  CHECK(refused == 0);
  CHECK(done == 6);
  // Once a call has failed on the database, the same burst is refused beyond the places.
  done = 0;
  io.restart();
  hg::asio::co_spawn(io, [&]() -> hg::awaitable<void> {
    try {
      co_await worker.run([](ap::RequestService&) -> int { throw st::StoreFailure("disk I/O error"); });
    } catch (const hg::StorageUnreachable&) {
    }
    burst();
  }, hg::asio::detached);
  io.run();
  CHECK(refused == 2);  // bob's third, and ivan's second (the queue holds 4)
  CHECK(done == 4);
}

TEST_CASE("work that captures short strings by value runs on the worker while others wait",
          "[storage_worker]") {
  // What each approvals command does: a callable holding its caller and command line (strings
  // short enough to sit inside the object) runs on the worker while other coroutines wait on
  // theirs. GCC 12 copied such a lambda bit by bit when it was a temporary in the co_await
  // expression, and freeing its strings aborted holdgate (munmap_chunk(): invalid pointer).
  Around at;
  auto& io = at.io;
  hg::StorageWorker worker(io, at.config, store_in(at.dir), at.log);
  int answered = 0;
  auto person = [&](std::string name) -> hg::awaitable<void> {
    for (int n = 0; n < 200; ++n) {
      ap::Caller caller{nullptr, "127.0.0.1:49156", "SHA256:k"};
      std::string line = "request list " + std::to_string(n % 10);
      auto work = [caller, line, name](ap::RequestService&) { return name + ":" + line + "@" + caller.source; };
      auto answer = co_await worker.run(work, name);
      if (answer == name + ":" + line + "@127.0.0.1:49156") ++answered;
    }
  };
  for (const char* name : {"alice", "bob", "ivan"}) hg::asio::co_spawn(io, person(name), hg::asio::detached);
  io.run();
  CHECK(answered == 600);
}
