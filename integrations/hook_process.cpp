#include "integrations/hook_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace holdgate::integrations {
namespace {

// After a kill, how long to wait for the child to be reapable before giving up on it (a
// process stuck in the kernel cannot be hurried; holdgate must not wait for it forever).
constexpr auto reap_grace = std::chrono::seconds(5);

// One running program and everything its coroutines share. Held by shared_ptr: the readers,
// the writer and the watchdog may each be the last to finish.
struct Run {
  explicit Run(asio::any_io_executor ex)
      : in(ex), out(ex), err(ex), watchdog(ex), done(ex), sigchld(ex, SIGCHLD) {}

  asio::posix::stream_descriptor in, out, err;
  asio::steady_timer watchdog;
  asio::steady_timer done;  // cancelled whenever one of the pipe coroutines finishes
  asio::signal_set sigchld;
  pid_t pid = -1;
  bool reaped = false;
  bool gave_up = false;
  int pending = 0;  // pipe coroutines still running
  ProcessResult result;

  void finish_one() {
    --pending;
    done.cancel();
  }

  // The group id stays reserved while the leader is unreaped (even as a zombie), so killing the
  // group is safe exactly until it is reaped.
  void kill_group() {
    if (pid > 0 && !reaped) ::kill(-pid, SIGKILL);
  }

  void close_pipes() {
    error_code ec;
    in.close(ec);
    out.close(ec);
    err.close(ec);
  }
};

awaitable<void> write_input(std::shared_ptr<Run> run, std::string input) {
  error_code ec;
  if (!input.empty()) {
    co_await asio::async_write(run->in, asio::buffer(input), asio::redirect_error(use_awaitable, ec));
  }
  run->in.close(ec);  // EOF tells the program its input is complete
  run->finish_one();
}

// Reads until EOF (or the watchdog closes the pipe). Past `cap`: stdout stops the program,
// stderr is drained and dropped so a chatty program never blocks on it.
awaitable<void> read_pipe(std::shared_ptr<Run> run, asio::posix::stream_descriptor& pipe,
                          std::string& sink, std::size_t cap, bool stop_when_full) {
  std::array<char, 4096> buffer;
  error_code ec;
  for (;;) {
    std::size_t n = co_await pipe.async_read_some(asio::buffer(buffer),
                                                  asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    if (sink.size() + n > cap) {
      sink.append(buffer.data(), cap - sink.size());
      if (stop_when_full) {
        run->result.output_too_large = true;
        run->kill_group();
        break;
      }
      continue;
    }
    sink.append(buffer.data(), n);
  }
  pipe.close(ec);
  run->finish_one();
}

void arm_watchdog(const std::shared_ptr<Run>& run, std::chrono::milliseconds after) {
  run->watchdog.expires_after(after);
  run->watchdog.async_wait([weak = std::weak_ptr<Run>(run)](error_code ec) {
    auto r = weak.lock();
    if (ec || !r) return;
    if (!r->result.timed_out) {
      r->result.timed_out = true;
      r->kill_group();
      r->close_pipes();
      arm_watchdog(r, reap_grace);
    } else {
      r->gave_up = true;
      r->sigchld.cancel();
    }
  });
}

// posix_spawn with the pipes on 0/1/2 and nothing else inherited. Returns 0 or an errno value
// (glibc reports exec failures such as ENOENT and EACCES here).
int spawn(Run& run, const std::vector<std::string>& args, const std::vector<std::string>& env,
          int stdin_fd, int stdout_fd, int stderr_fd) {
  posix_spawn_file_actions_t actions;
  if (const int rc = posix_spawn_file_actions_init(&actions); rc != 0) return rc;
  posix_spawnattr_t attr;
  if (const int rc = posix_spawnattr_init(&attr); rc != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return rc;
  }
  // Every step must take, or the program is not started: without closefrom it would inherit
  // holdgate's sockets and keys, without its own group it would outlive its timeout.
  int rc = 0;
  auto step = [&rc](int result) {
    if (rc == 0) rc = result;
  };
  step(posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0));
  step(posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1));
  step(posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2));
  step(posix_spawn_file_actions_addchdir_np(&actions, "/"));
  // Client sockets, the database and key files must not leak into the program; Asio does not
  // open everything close-on-exec.
  step(posix_spawn_file_actions_addclosefrom_np(&actions, 3));

  step(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                           POSIX_SPAWN_SETSIGDEF));
  step(posix_spawnattr_setpgroup(&attr, 0));  // its own group, so a timeout kills its children too
  sigset_t mask;
  sigemptyset(&mask);
  step(posix_spawnattr_setsigmask(&attr, &mask));
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, sig);
  step(posix_spawnattr_setsigdefault(&attr, &defaults));

  std::vector<char*> envp;
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const auto& word : args) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);

  if (args.empty()) rc = EINVAL;
  if (rc == 0) rc = posix_spawn(&run.pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

}  // namespace

std::string ProcessResult::problem(std::chrono::milliseconds timeout) const {
  if (!spawn_error.empty()) return "cannot run: " + spawn_error;
  if (timed_out) {
    const auto ms = timeout.count();
    return "no answer within " + (ms % 1000 == 0 ? std::to_string(ms / 1000) + "s"
                                                 : std::to_string(ms) + "ms");
  }
  if (output_too_large) return "output is larger than " + std::to_string(out.size() / 1024) + " KiB";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  if (exit_status < 0) return "did not exit";
  if (exit_status != 0) return "exited with status " + std::to_string(exit_status);
  return {};
}

awaitable<ProcessResult> run_process(std::filesystem::path program, std::vector<std::string> env,
                                     std::string input, ProcessLimits limits,
                                     LiveProcessGroups live) {
  std::vector<std::string> argv = {program.string()};
  co_return co_await run_program(std::move(argv), std::move(env), std::move(input), limits,
                                 std::move(live));
}

awaitable<ProcessResult> run_program(std::vector<std::string> argv, std::vector<std::string> env,
                                     std::string input, ProcessLimits limits,
                                     LiveProcessGroups live) {
  auto ex = co_await asio::this_coro::executor;
  // The SIGCHLD watch exists before the child does, so its exit cannot slip past unseen.
  auto run = std::make_shared<Run>(ex);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    run->result.spawn_error = std::strerror(errno);
    co_return run->result;
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    run->result.spawn_error = std::strerror(errno);
    ::close(in_pipe[0]), ::close(in_pipe[1]);
    co_return run->result;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    run->result.spawn_error = std::strerror(errno);
    ::close(in_pipe[0]), ::close(in_pipe[1]), ::close(out_pipe[0]), ::close(out_pipe[1]);
    co_return run->result;
  }
  const int rc = spawn(*run, argv, env, in_pipe[0], out_pipe[1], err_pipe[1]);
  ::close(in_pipe[0]), ::close(out_pipe[1]), ::close(err_pipe[1]);
  run->in.assign(in_pipe[1]);
  run->out.assign(out_pipe[0]);
  run->err.assign(err_pipe[0]);
  if (rc != 0) {
    run->result.spawn_error = std::strerror(rc);
    run->close_pipes();
    co_return run->result;
  }
  live->insert(run->pid);

  run->pending = 3;
  asio::co_spawn(ex, write_input(run, std::move(input)), asio::detached);
  asio::co_spawn(ex, read_pipe(run, run->out, run->result.out, limits.max_stdout, true),
                 asio::detached);
  asio::co_spawn(ex, read_pipe(run, run->err, run->result.err, limits.max_stderr, false),
                 asio::detached);
  arm_watchdog(run, limits.timeout);

  while (run->pending > 0) {
    run->done.expires_at(asio::steady_timer::time_point::max());
    error_code ec;
    co_await run->done.async_wait(asio::redirect_error(use_awaitable, ec));
  }

  // Its pipes are closed; now wait for it to exit (the watchdog still bounds that).
  while (!run->reaped && !run->gave_up) {
    siginfo_t info{};
    // WNOWAIT: look without reaping, so the group can still be killed safely (below).
    const int seen = ::waitid(P_PID, static_cast<id_t>(run->pid), &info,
                              WEXITED | WNOHANG | WNOWAIT);
    if (seen == 0 && info.si_pid == run->pid) {
      // The program is done; anything it left running in its group goes with it.
      ::kill(-run->pid, SIGKILL);
      int status = 0;
      if (::waitpid(run->pid, &status, 0) == run->pid) {
        if (WIFEXITED(status)) run->result.exit_status = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) run->result.signal = WTERMSIG(status);
      }
      run->reaped = true;
      break;
    }
    if (seen != 0 && errno != EINTR) break;  // ECHILD: not ours to wait for any more
    error_code ec;
    co_await run->sigchld.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  live->erase(run->pid);
  run->watchdog.cancel();
  error_code ec;
  run->sigchld.cancel(ec);
  co_return run->result;
}

}  // namespace holdgate::integrations
