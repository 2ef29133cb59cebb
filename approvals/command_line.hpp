// The approvals channel's command language: `ssh approvals@bastion request create ...`. Parsing
// is pure: words in, a Command or a UsageError out. Executing is commands.hpp's job.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "approvals/service.hpp"

namespace holdgate::approvals {

namespace cmd {

// request create (--login root --target db-1 [--roles dba] | --roles dba[,ROLE...])
//                [--reviewers alice,ivan] [--max-duration 2h] --reason TEXT
//                [--break-glass --confirm TARGET]
// --reason may be left out on the command line: whether one is required is the policy's call,
// and the service says so when it is.
struct Create {
  std::vector<std::string> roles;
  std::vector<std::string> reviewers;
  std::optional<std::chrono::seconds> max_duration;
  std::string reason;

  std::string login = {}, target = {};  // a scoped request: only this login on this target
  // --break-glass --confirm TARGET: access at once, ratified afterwards (issue 12, section 4).
  bool break_glass = false;
  std::string confirm = {};

  bool operator==(const Create&) const = default;
};

// request list [--mine | --reviewable | --all] [--format json]
struct List {
  ListScope scope = ListScope::mine_and_reviewable;
  bool json = false;

  bool operator==(const List&) const = default;
};

// request show ID [--format json]
struct Show {
  std::string id;
  bool json = false;

  bool operator==(const Show&) const = default;
};

// request review --approve | --deny [--reason TEXT] ID
struct Review {
  Decision decision = Decision::approve;
  std::string reason;
  std::string id;

  bool operator==(const Review&) const = default;
};

// request cancel ID
struct Cancel {
  std::string id;

  bool operator==(const Cancel&) const = default;
};

// ---- Taking access back ----
// request drop [ID]: one of mine, or (no ID) all of mine
struct Drop {
  std::string id;  // empty: every request of mine whose grant still holds

  bool operator==(const Drop&) const = default;
};

// request revoke ID --reason TEXT
struct Revoke {
  std::string id;
  std::string reason;

  bool operator==(const Revoke&) const = default;
};

// lock create --user NAME | --target NAME | --role NAME [--ttl 1h] --reason TEXT
struct LockCreate {
  NewLock lock;

  bool operator==(const LockCreate&) const = default;
};

// lock list
struct LockList {
  bool operator==(const LockList&) const = default;
};

// lock remove ID
struct LockRemove {
  std::string id;

  bool operator==(const LockRemove&) const = default;
};

// request watch
struct Watch {
  bool operator==(const Watch&) const = default;
};

// history [--since 24h] [--format json]
struct History {
  std::chrono::seconds since = std::chrono::hours(24);
  bool json = false;

  bool operator==(const History&) const = default;
};

// ---- Sessions (issue 13, section 2): relayed sessions, finished and live ----
// session list [--live] [--user NAME] [--target NAME] [--since 24h] [--format json]
struct SessionList {
  bool live_only = false;
  std::string user, target;  // empty: any
  std::chrono::seconds since = std::chrono::hours(24);
  bool json = false;

  bool operator==(const SessionList&) const = default;
};

// session watch ID
struct SessionWatch {
  std::string id;

  bool operator==(const SessionWatch&) const = default;
};

// session kill ID --reason TEXT
struct SessionKill {
  std::string id;
  std::string reason;

  bool operator==(const SessionKill&) const = default;
};

// ---- Recorded sessions (issue 13, section 2)
// session play ID [--speed 2]: replays the recording into the caller's terminal
struct SessionPlay {
  std::string id;  // session id ("1a2b3c4d", "1a2b3c4d-2") or the recording's file name
  double speed = 1;

  bool operator==(const SessionPlay&) const = default;
};

// session export ID [--stream stdout|stderr|stdin]: the recording as it is on stdout; with
// --stream (a recording without a terminal, .stream) only those bytes, as the target sent them
struct SessionExport {
  std::string id;
  std::string stream{};  // "", "stdout", "stderr" or "stdin"

  bool operator==(const SessionExport&) const = default;
};

// help, or --help / -h anywhere
struct Help {
  bool operator==(const Help&) const = default;
};

}  // namespace cmd

using Command = std::variant<cmd::Create, cmd::List, cmd::Show, cmd::Review, cmd::Cancel,
                             cmd::Watch, cmd::History, cmd::Help, cmd::Drop, cmd::Revoke,
                             cmd::LockCreate, cmd::LockList, cmd::LockRemove,
                             cmd::SessionList, cmd::SessionWatch, cmd::SessionKill,
                             cmd::SessionPlay, cmd::SessionExport>;

// Exit status 2: `message` is one sentence (user-typed words in it are sanitised), `usage` the
// full usage text.
struct UsageError {
  std::string message;
  std::string usage;
};

using ParsedCommand = std::variant<Command, UsageError>;

// How people reach the channel, shown in usage and quoting hints, e.g.
// "ssh -p 2222 approvals@bastion" (the proxy knows the real port and host).
inline constexpr std::string_view default_invocation = "ssh ... approvals@bastion";

// Splits `text` as a POSIX shell would (shell_words.hpp) and parses the words.
ParsedCommand parse_command_line(std::string_view text,
                                 std::string_view invocation = default_invocation);

// Parses words already split. Flags take `--flag value` or `--flag=value`; `--` ends flags.
// A word left over (most often the second half of an unquoted reason) is an error that shows
// the command quoted the way it was probably meant.
ParsedCommand parse_command_words(const std::vector<std::string>& words,
                                  std::string_view invocation = default_invocation);

// Every command, one or two lines each; fits 80 columns for the usual invocation.
std::string usage_text(std::string_view invocation = default_invocation);

}  // namespace holdgate::approvals
