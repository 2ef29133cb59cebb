#include "key_directory.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <map>
#include <set>

#include "config/keys_command.hpp"
#include "integrations/hook_process.hpp"
#include "key_cache.hpp"

namespace holdgate::proxy {
namespace {

// What a program may print: more is a failure (a directory answer is a few keys).
constexpr std::size_t max_output = 64 * 1024;

// One run of the command for one user, with the settings of the config that asked for it.
struct KeysJob {
  std::string user;
  config::KeysCommand settings;
};

std::string first_line(const std::string& text) {
  auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return {};
  auto end = text.find('\n', start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

struct KeyDirectoryState {
  KeyDirectoryState(asio::io_context& io, EventLog& log) : io(io), log(log) {}
  asio::io_context& io;
  EventLog& log;
  bool stopped = false;  // set by ~KeyDirectory: log may be gone after that
  integrations::LiveProcessGroups live = std::make_shared<std::set<pid_t>>();
  std::map<std::string, DirectoryEntry, std::less<>> entries;  // by holdgate user name
  std::set<std::string, std::less<>> in_flight;  // users whose run is running or queued
  std::deque<KeysJob> queue;                     // waiting for a free run; at most one per user
  int running = 0;
  // Lookups waiting for a run to end: each waits on its own timer (its deadline), cancelled
  // whenever any run ends so it can look again.
  std::set<asio::steady_timer*> waiters;

  void wake_all() {
    for (auto* timer : waiters) timer->cancel();
  }
};

namespace {

awaitable<void> run_keys_command(std::shared_ptr<KeyDirectoryState> state, KeysJob job);

void start(const std::shared_ptr<KeyDirectoryState>& state, KeysJob job) {
  ++state->running;
  auto user = job.user;
  asio::co_spawn(state->io, run_keys_command(state, std::move(job)),
                 [state, user = std::move(user)](std::exception_ptr error) {
                   --state->running;
                   if (state->stopped) return;
                   if (error) {
                     // Nothing in a run should throw; if it did, the user has no key from it.
                     auto& entry = state->entries[user];
                     entry.ok = false;
                     entry.keys.clear();
                     entry.fetched = SteadyClock::now();
                     state->log.write("keys-command-failed",
                                      {{"user", user}, {"problem", "internal error"}});
                   }
                   state->in_flight.erase(user);
                   state->wake_all();
                   while (!state->queue.empty() &&
                          state->running < state->queue.front().settings.max_processes) {
                     auto next = std::move(state->queue.front());
                     state->queue.pop_front();
                     start(state, std::move(next));
                   }
                 });
}

// Asks for a run unless one is already running or queued for that user.
void request_run(const std::shared_ptr<KeyDirectoryState>& state, const std::string& user,
                 const config::KeysCommand& settings) {
  if (!state->in_flight.insert(user).second) return;
  KeysJob job{user, settings};
  if (state->running < settings.max_processes) {
    start(state, std::move(job));
  } else {
    state->queue.push_back(std::move(job));
  }
}

awaitable<void> run_keys_command(std::shared_ptr<KeyDirectoryState> state, KeysJob job) {
  integrations::ProcessLimits limits;
  limits.timeout = job.settings.timeout;
  limits.max_stdout = max_output;
  // As sshd gives AuthorizedKeysCommand: nothing of the daemon's own environment.
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
  auto argv = config::expand_keys_command(job.settings.argv, job.user);
  auto result = co_await integrations::run_program(std::move(argv), std::move(env), std::string(), limits,
                                     state->live);
  if (state->stopped) co_return;

  std::string problem = result.problem(limits.timeout);
  config::KeysOutput parsed;
  if (problem.empty()) {
    parsed = config::parse_keys_output(result.out);
    problem = parsed.problem;
  }
  auto& entry = state->entries[job.user];
  entry.command = job.settings.command;
  entry.fetched = SteadyClock::now();
  entry.ok = problem.empty();
  entry.keys = entry.ok ? std::move(parsed.keys) : std::vector<config::AuthorizedKey>{};
  if (!problem.empty()) {
    std::vector<EventLog::Field> fields = {{"user", job.user}, {"problem", problem}};
    const std::string stderr_line = first_line(result.err);
    if (!stderr_line.empty()) fields.push_back({"stderr", stderr_line});
    state->log.write("keys-command-failed", fields);
  } else if (parsed.skipped_with_options > 0) {
    const std::string count = std::to_string(parsed.skipped_with_options);
    state->log.write("keys-command-skipped", {{"user", job.user}, {"lines", count},
                                              {"reason", "key options are not supported"}});
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

}  // namespace

KeyDirectory::KeyDirectory(asio::io_context& io, EventLog& log)
    : state_(std::make_shared<KeyDirectoryState>(io, log)) {}

KeyDirectory::~KeyDirectory() {
  state_->stopped = true;
  state_->queue.clear();
  for (pid_t group : *state_->live) ::kill(-group, SIGKILL);
}

std::optional<std::string> KeyDirectory::check(const config::Config& config) {
  if (config.keys_command.argv.empty()) return std::nullopt;
  const std::string& program = config.keys_command.argv[0];
  struct stat st {};
  const std::string where = "keys_command: " + program;
  if (::stat(program.c_str(), &st) != 0) return where + " does not exist";
  if (!S_ISREG(st.st_mode)) return where + " is not a file";
  if (::access(program.c_str(), X_OK) != 0) return where + " is not executable";
  return std::nullopt;
}

std::string KeyDirectory::also_listed_for(const config::Config& config,
                                          const config::User& owner, std::string_view type,
                                          std::string_view blob, std::string_view fingerprint) {
  const auto& settings = config.keys_command;
  if (settings.argv.empty()) return {};
  const auto now = SteadyClock::now();
  auto lookup = look_up_key(state_->entries, config.users, settings, type, blob, now, now);
  for (const auto& name : lookup.owners) {
    if (name == owner.name) continue;
    state_->log.write("keys-command-conflict",
                      {{"key", fingerprint}, {"users", owner.name + "," + name},
                       {"reason", "an inline key of one user is listed for another; refused"}});
    return name;
  }
  return {};
}

awaitable<const config::User*> KeyDirectory::find(const config::Config& config, std::string type,
                                                  std::string blob, std::string fingerprint,
                                                  SteadyClock::time_point deadline) {
  const auto& settings = config.keys_command;
  if (settings.argv.empty()) co_return nullptr;
  auto state = state_;  // the directory may be destroyed while this waits
  const auto since = SteadyClock::now();
  asio::steady_timer wake(state->io);
  for (;;) {
    const auto now = SteadyClock::now();
    auto lookup = look_up_key(state->entries, config.users, settings, type, blob, now, since);
    switch (key_verdict(lookup)) {
      case KeyVerdict::one:
        co_return config.find_user(lookup.owners.front());
      case KeyVerdict::nobody:
        co_return nullptr;
      case KeyVerdict::conflict:
        state->log.write("keys-command-conflict",
                         {{"key", fingerprint}, {"users", joined(lookup.owners)},
                          {"reason", "the key is listed for more than one user; refused"}});
        co_return nullptr;
      case KeyVerdict::refresh:
        break;
    }
    if (now >= deadline || state->stopped) co_return nullptr;
    for (const auto& user : lookup.unusable) request_run(state, user, settings);
    // Wait for some run to end (each is bounded by its timeout), or the login's deadline.
    wake.expires_at(deadline);
    state->waiters.insert(&wake);
    error_code ec;
    co_await wake.async_wait(asio::redirect_error(use_awaitable, ec));
    state->waiters.erase(&wake);
  }
}

}  // namespace holdgate::proxy
