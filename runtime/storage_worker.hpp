// Storage off the event loop (issue 14, section 3). Every storage call blocks: SQLite fsyncs
// each write and waits up to 5 s on a lock, a network database waits on the network. The
// RequestService and its Store are therefore owned by one worker thread and reached only
// through run(): the callable runs there, the coroutine that awaits it resumes on its own
// executor with the result (or the exception). One thread keeps the service's operations in
// order, as they were on the loop, so the service needs no locks.
//
// Changes the service publishes on the worker are posted to the loop in order and published
// there by events(): every listener (held sessions, watches, menus, hooks, webhooks) lives on
// the loop. A change is posted before the call that made it completes, so its caller resumes
// after its listeners have seen it.
#pragma once

#include <map>
#include <memory>
#include <variant>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "approvals/service.hpp"
#include "runtime/event_log.hpp"
#include "runtime/net.hpp"

namespace holdgate {

// What a new decision says when the database cannot be reached (a StoreFailure on the worker,
// or the worker's places taken while it fails): "cannot reach its database; try again"
// (prefixed "holdgate: ").
class StorageUnreachable : public std::runtime_error {
 public:
  StorageUnreachable() : std::runtime_error("cannot reach its database; try again") {}
};

class StorageWorker {
 public:
  // Calls waiting or running at once, in all (queue_limit) and for one owner (owner_limit: a
  // person, or "holdgate" for the bastion's own work). While the database fails (the last
  // call's answer was a StoreFailure), run() beyond either throws StorageUnreachable at once
  // instead of queueing behind calls that each wait out a timeout, and no one person can take
  // every place. While it answers, every call waits its turn: a burst of logins (a thousand
  // held sessions at once) is served, bounded by the connection limits.
  struct Limits {
    std::size_t queue_limit = 256;
    std::size_t owner_limit = 128;  // half: a burst of one person's logins (a script opening 50) fits
  };

  // `loop`: where the callers and the listeners of events() run. `config` is a snapshot the
  // worker shares (a reference to one that outlives the worker will do: see unowned()).
  StorageWorker(asio::io_context& loop, std::shared_ptr<const config::Config> config,
                std::unique_ptr<storage::Store> store, EventLog& log, Limits limits);
  StorageWorker(asio::io_context& loop, std::shared_ptr<const config::Config> config,
                std::unique_ptr<storage::Store> store, EventLog& log)
      : StorageWorker(loop, std::move(config), std::move(store), log, Limits{}) {}
  StorageWorker(asio::io_context& loop, const config::Config& config,
                std::unique_ptr<storage::Store> store, EventLog& log)
      : StorageWorker(loop, unowned(config), std::move(store), log, Limits{}) {}
  StorageWorker(asio::io_context& loop, const config::Config& config,
                std::unique_ptr<storage::Store> store, EventLog& log, Limits limits)
      : StorageWorker(loop, unowned(config), std::move(store), log, limits) {}
  // A snapshot that does not own `config` (which must outlive every holder of it).
  static std::shared_ptr<const config::Config> unowned(const config::Config& config) {
    return std::shared_ptr<const config::Config>(std::shared_ptr<void>{}, &config);
  }
  // Finishes what is queued (audit events of sessions that ended), then joins the thread.
  ~StorageWorker();
  StorageWorker(const StorageWorker&) = delete;
  StorageWorker& operator=(const StorageWorker&) = delete;

  // Runs `f(service)` on the worker thread (on a copy of `f`). Call from the loop only. A
  // StoreFailure is logged (storage-failed, with the database's own words) and thrown as
  // StorageUnreachable; the next call tries the database again.
  //
  // `f` is a named callable, or a temporary that is trivially copyable (a lambda capturing by
  // reference only). GCC 12 copies a lambda or aggregate temporary in a co_await expression
  // into the coroutine frame bit by bit, without its move constructor: a captured std::string
  // short enough to sit inside the object then points into the old copy, and freeing it
  // aborted holdgate (munmap_chunk(): invalid pointer). So a lambda that captures by value is
  // named first:  auto read = [id](auto& service) {...};  co_await worker.run(read, owner);
  template <class F>
  auto run(F&& f, std::string owner = "holdgate")
      -> awaitable<std::invoke_result_t<std::decay_t<F>&, approvals::RequestService&>> {
    using Work = std::decay_t<F>;
    static_assert(std::is_lvalue_reference_v<F> || std::is_trivially_copyable_v<Work>,
                  "name a lambda that captures by value before co_await run(it) (GCC 12, see above)");
    using Result = std::invoke_result_t<Work&, approvals::RequestService&>;
    using Box = std::conditional_t<std::is_void_v<Result>, std::monostate, Result>;
    Place place(*this, std::move(owner));
    // Declared, then awaited: no temporary holding the work sits in the co_await expression.
    // The result is handed back by a post to the loop: the awaiting coroutine is resumed there,
    // never on the worker (its frames, like everything of the loop's, stay on the loop). The
    // work itself runs, and is destroyed, on the worker.
    auto call = asio::async_initiate<decltype(use_awaitable), void(std::exception_ptr, Box)>(
        [this, work = Work(f)](auto handler) mutable {
          asio::post(worker_io_, [this, work = std::move(work), handler = std::move(handler)]() mutable {
            std::exception_ptr failure;
            bool database_failed = false;
            Box value{};
            try {
              if constexpr (std::is_void_v<Result>) work(*service_);
              else value = work(*service_);
            } catch (const storage::StoreFailure& e) {
              log_failure(e.what());
              failure = std::make_exception_ptr(StorageUnreachable());
              database_failed = true;
            } catch (...) {
              failure = std::current_exception();
            }
            asio::post(loop_, [queue = queue_, handler = std::move(handler), failure,
                               database_failed, value = std::move(value)]() mutable {
              queue->failing = database_failed;
              handler(failure, std::move(value));
            });
          });
        },
        use_awaitable);
    auto box = co_await std::move(call);
    if constexpr (!std::is_void_v<Result>) co_return std::move(box);
  }

  // Runs `f(service)` on the worker without waiting for it: what must be stored because it
  // happened (an audit event of a session's end, a failed hook), not a decision anyone
  // waits on. Not refused when the queue is full (each comes from a bounded event: a session,
  // a hook run, a webhook delivery); a failure is logged (storage-failed, with `what`).
  void post(std::string what, std::function<void(approvals::RequestService&)> f);
  // post() of service.record(event).
  void record(storage::AuditEvent event);

  // The store below the service, for work that reads it directly (the change feed between
  // bastions): to be touched only inside run() or post() work, on the worker.
  storage::Store& store_on_worker() { return *store_; }

  // The service's changes, published on the loop, in the order they were made.
  approvals::RequestEvents& events() { return events_; }
  // The config as the loop sees it now (the worker's copy follows it: set_config()).
  const config::Config& config() const { return *config_; }
  const std::shared_ptr<const config::Config>& config_snapshot() const { return config_; }
  // A reload: new calls decide by `config`. The service's own copy is swapped on the worker,
  // in order with the calls already queued (posted, never shared across the threads).
  // Call from the loop only.
  void set_config(std::shared_ptr<const config::Config> config);

 private:
  // The places taken, counted on the loop only. Shared with every Place: a coroutine frame
  // still suspended in run() when the loop is destroyed (after the worker, at shutdown) gives
  // its place back to this, not to a worker that is gone.
  struct Queue {
    std::size_t queued = 0;
    bool failing = false;  // the last run() that came back failed on the database
    std::map<std::string, std::size_t, std::less<>> by_owner;
  };

  // A place in the queue for one run(), from the call until its result is back on the loop.
  class Place {
   public:
    Place(StorageWorker& worker, std::string owner);
    ~Place();
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;

   private:
    std::shared_ptr<Queue> queue_;
    std::string owner_;
  };

  void log_failure(const std::string& reason);  // from the worker: posted to the loop

  asio::io_context& loop_;
  std::shared_ptr<const config::Config> config_;  // the loop's side
  EventLog& log_;
  Limits limits_;
  approvals::RequestEvents events_;  // the loop's side
  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();

  asio::io_context worker_io_;
  asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
  // Touched only on the worker thread (and built and destroyed while it does not run).
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<approvals::RequestService> service_;
  approvals::RequestEvents::Subscription forward_;  // the service's changes to events_
  std::thread thread_;
};

}  // namespace holdgate
