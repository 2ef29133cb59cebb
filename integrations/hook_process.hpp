// Runs one external program without blocking the event loop: posix_spawn (never a shell) in a
// process group of its own, a minimal environment, stdin fed then closed, stdout and stderr
// read through pipes with caps, and a watchdog that kills the whole group when time is up.
// The child is always reaped; whatever goes wrong comes back as a value.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

#include "runtime/net.hpp"

namespace holdgate::integrations {

struct ProcessLimits {
  std::chrono::milliseconds timeout{5000};
  std::size_t max_stdout = 64 * 1024;  // more than this: the program is stopped
  std::size_t max_stderr = 4 * 1024;   // more than this is read and thrown away
};

struct ProcessResult {
  std::string spawn_error;  // set when the program could not be started at all
  bool timed_out = false;
  bool output_too_large = false;
  int exit_status = -1;  // when it exited normally
  int signal = 0;        // when a signal ended it
  std::string out;       // stdout, up to max_stdout
  std::string err;       // stderr, up to max_stderr

  // "exited with status 3", "killed by signal 9", "no answer within 5s", ...; empty when it
  // ran to completion and exited 0.
  std::string problem(std::chrono::milliseconds timeout) const;
};

// Process groups of programs still running, so whoever owns them can kill them all on the way
// out. Shared with the coroutines that run them.
using LiveProcessGroups = std::shared_ptr<std::set<pid_t>>;

// `env` holds "NAME=value" entries, the child's whole environment. The program runs in "/"
// with no arguments but its own path. holdgate ignores SIGPIPE (main.cpp), so a program that
// exits without reading its stdin is a write error here, not a crash; the child gets SIGPIPE
// and the other signals back at their defaults.
awaitable<ProcessResult> run_process(std::filesystem::path program, std::vector<std::string> env,
                                     std::string input, ProcessLimits limits,
                                     LiveProcessGroups live);

// The same with arguments: argv[0] is the program's absolute path (PATH is not searched) and
// what the program sees as its name; the words are passed as they are, never to a shell.
awaitable<ProcessResult> run_program(std::vector<std::string> argv, std::vector<std::string> env,
                                     std::string input, ProcessLimits limits,
                                     LiveProcessGroups live);

}  // namespace holdgate::integrations
