// The approvals channel's command line: one table row per command line, what it parses to or
// the one sentence it is refused with; the usage text.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "approvals/command_line.hpp"

namespace ap = holdgate::approvals;
namespace cmd = holdgate::approvals::cmd;
using namespace std::chrono_literals;
using ap::Command;
using ap::Decision;
using ap::ListScope;
using ap::parse_command_line;
using ap::UsageError;

// ---------------------------------------------------------------------------------------------
// parse_command_line

namespace {

struct ParseRow {
  const char* what;
  std::string input;
  std::optional<Command> command;  // expected on success
  std::string error;               // expected message on failure
};

ParseRow ok(const char* what, std::string input, Command command) {
  return {what, std::move(input), std::move(command), ""};
}
ParseRow err(const char* what, std::string input, std::string error) {
  return {what, std::move(input), std::nullopt, std::move(error)};
}

const std::string hint = "; quote text with spaces: ssh ... approvals@bastion ";

const std::vector<ParseRow> parse_rows = {
    // help
    ok("help", "help", cmd::Help{}),
    ok("--help alone", "--help", cmd::Help{}),
    ok("-h after a command", "request create -h", cmd::Help{}),
    ok("--help wins over mistakes", "request frobnicate --nope --help", cmd::Help{}),
    ok("help ignores what follows", "help request", cmd::Help{}),
    // create
    ok("create, quoted reason", "request create --roles dba --reason 'ticket #123'",
       cmd::Create{{"dba"}, {}, std::nullopt, "ticket #123"}),
    ok("create, every flag, both forms",
       R"(request create --roles=dba,ops --reviewers alice,ivan --max-duration 2h --reason="x y")",
       cmd::Create{{"dba", "ops"}, {"alice", "ivan"}, 2h, "x y"}),
    ok("create, flags in any order", "request create --reason why --max-duration=30m --roles dba",
       cmd::Create{{"dba"}, {}, 30min, "why"}),
    ok("create, blanks and empty items in lists", "request create --roles 'dba, ops,' --reason x",
       cmd::Create{{"dba", "ops"}, {}, std::nullopt, "x"}),
    ok("create without --reason (the policy decides)", "request create --roles dba",
       cmd::Create{{"dba"}, {}, std::nullopt, ""}),
    ok("create, empty reason", "request create --roles dba --reason ''",
       cmd::Create{{"dba"}, {}, std::nullopt, ""}),
    ok("create, reason starting with dashes via =", "request create --roles dba '--reason=--force'",
       cmd::Create{{"dba"}, {}, std::nullopt, "--force"}),
    ok("create, single-dash value", "request create --roles dba --reason -",
       cmd::Create{{"dba"}, {}, std::nullopt, "-"}),
    ok("create for one login on one target", "request create --login root --target db-1 --reason x",
       cmd::Create{{}, {}, std::nullopt, "x", "root", "db-1"}),
    ok("create for one login, through a named role",
       "request create --target=db-1 --login=root --roles dba",
       cmd::Create{{"dba"}, {}, std::nullopt, "", "root", "db-1"}),
    // list
    ok("list", "request list", cmd::List{ListScope::mine_and_reviewable, false}),
    ok("list --mine", "request list --mine", cmd::List{ListScope::mine, false}),
    ok("list --reviewable", "request list --reviewable", cmd::List{ListScope::reviewable, false}),
    ok("list --all json", "request list --all --format json", cmd::List{ListScope::all, true}),
    ok("list --format=text", "request list --format=text",
       cmd::List{ListScope::mine_and_reviewable, false}),
    ok("list, same scope twice", "request list --mine --mine", cmd::List{ListScope::mine, false}),
    // show
    ok("show", "request show 9c721e54", cmd::Show{"9c721e54", false}),
    ok("show json before id", "request show --format json abc", cmd::Show{"abc", true}),
    ok("show json after id", "request show abc --format=json", cmd::Show{"abc", true}),
    ok("show, -- ends flags", "request show -- --weird", cmd::Show{"--weird", false}),
    // review
    ok("approve", "request review --approve ID", cmd::Review{Decision::approve, "", "ID"}),
    ok("deny with reason", "request review --deny --reason 'no ticket' ID",
       cmd::Review{Decision::deny, "no ticket", "ID"}),
    ok("id first", "request review ID --approve --reason=ok", cmd::Review{Decision::approve, "ok", "ID"}),
    ok("approve twice is still approve", "request review --approve --approve ID",
       cmd::Review{Decision::approve, "", "ID"}),
    // cancel, watch, history
    ok("cancel", "request cancel ID", cmd::Cancel{"ID"}),
    ok("watch", "request watch", cmd::Watch{}),
    // taking access back
    ok("drop one", "request drop ID", cmd::Drop{"ID"}),
    ok("drop all of mine", "request drop", cmd::Drop{""}),
    ok("revoke", "request revoke ID --reason 'incident over'", cmd::Revoke{"ID", "incident over"}),
    err("revoke without a reason", "request revoke ID", "missing --reason (say why access is revoked)"),
    err("revoke without an ID", "request revoke --reason x", "missing the request ID: request revoke ID"),
    err("drop two", "request drop A B", "unexpected argument 'B'"),
    ok("lock a target for an hour", "lock create --target db-1 --ttl 1h --reason 'incident 42'",
       cmd::LockCreate{{"", "db-1", "", 3600s, "incident 42"}}),
    ok("lock a person until removed", "lock create --user bob --reason x",
       cmd::LockCreate{{"bob", "", "", std::nullopt, "x"}}),
    err("lock without a reason", "lock create --role dba", "missing --reason (say why it is locked)"),
    ok("lock list", "lock list", cmd::LockList{}),
    ok("lock remove", "lock remove L1", cmd::LockRemove{"L1"}),
    err("lock remove without an ID", "lock remove", "missing the lock ID: lock remove ID"),
    err("lock alone", "lock", "expected a command after 'lock': create, list or remove"),
    ok("history", "history", cmd::History{24h, false}),
    ok("history --since --format", "history --since 2d --format json", cmd::History{48h, true}),
    ok("history --since=15m", "history --since=15m", cmd::History{15min, false}),

    // unknown commands
    err("empty", "", "expected a command"),
    err("blank", "   ", "expected a command"),
    err("unknown command", "frobnicate", "unknown command 'frobnicate'"),
    err("misspelt command", "histroy", "unknown command 'histroy' (did you mean 'history'?)"),
    err("request left out", "create --roles dba",
        "unknown command 'create' (did you mean 'request create'?)"),
    err("request alone", "request",
        "expected a command after 'request': create, list, show, review, cancel, watch, drop or revoke"),
    err("misspelt subcommand", "request lsit",
        "unknown command 'request lsit' (did you mean 'request list'?)"),
    err("unknown subcommand", "request frobnicate", "unknown command 'request frobnicate'"),
    // flags
    err("unknown flag", "request create --roles dba --role dba",
        "unknown flag '--role' for 'request create' (did you mean '--roles'?)"),
    err("unknown flag, no suggestion", "request watch --format json",
        "unknown flag '--format' for 'request watch'"),
    err("short flag", "request list -m", "unknown flag '-m' for 'request list'"),
    err("flag twice", "request create --roles dba --roles ops", "--roles is given twice"),
    err("missing value at the end", "request create --roles dba --reason", "--reason needs a value"),
    err("flag taken as value", "request create --roles dba --reason --reviewers alice",
        "--reason needs a value"),
    err("switch with a value", "request review --approve=yes ID", "--approve takes no value"),
    // required flags and values
    err("missing --roles", "request create --reason x",
        "missing --roles (e.g. --roles dba) or --login and --target"),
    err("--login without --target", "request create --login root --reason x",
        "--login and --target go together (e.g. --login root --target db-1)"),
    err("--target without --login", "request create --target db-1 --roles dba",
        "--login and --target go together (e.g. --login root --target db-1)"),
    err("a login with a space, refused as in ssh LOGIN@TARGET",
        "request create --login 'ro ot' --target db-1",
        "the user name 'ro ot' contains a control character or whitespace; expected the login "
        "on the target as the user name (e.g. ssh -J bastion root@db-1)"),
    err("empty --roles", "request create --roles , --reason x", "--roles needs at least one role name"),
    err("bad duration", "request create --roles dba --max-duration 2x",
        "invalid duration '2x' for --max-duration (use a number and a unit: 30s, 15m, 8h, 2d)"),
    err("compound duration", "request create --roles dba --max-duration 1h30m",
        "invalid duration '1h30m' for --max-duration (use a number and a unit: 30s, 15m, 8h, 2d)"),
    err("zero duration", "request create --roles dba --max-duration 0h",
        "--max-duration must be more than 0s"),
    err("bad --since", "history --since yesterday",
        "invalid duration 'yesterday' for --since (use a number and a unit: 30s, 15m, 8h, 2d)"),
    err("bad format", "request list --format xml", "unknown format 'xml' for --format (use json or text)"),
    err("bad format on show", "request show ID --format=yaml",
        "unknown format 'yaml' for --format (use json or text)"),
    err("two scopes", "request list --mine --all", "choose only one of --mine, --reviewable and --all"),
    err("approve and deny", "request review --approve --deny ID",
        "choose either --approve or --deny, not both"),
    err("neither approve nor deny", "request review ID", "missing --approve or --deny"),
    // IDs
    err("show without id", "request show", "missing the request ID: request show ID"),
    err("review without id", "request review --approve", "missing the request ID: request review ID"),
    err("cancel without id", "request cancel", "missing the request ID: request cancel ID"),
    err("show with two ids", "request show a b", "unexpected argument 'b'"),
    err("list with an argument", "request list extra", "unexpected argument 'extra'"),
    err("watch with an argument", "request watch now", "unexpected argument 'now'"),
    // stray words from an unquoted reason: the hint shows the command quoted as meant
    err("unquoted reason", "request create --roles dba --reason ticket #123",
        "unexpected argument '#123'" + hint + R"("request create --roles dba --reason 'ticket #123'")"),
    err("unquoted reason, three words", "request create --reason db is down --roles dba",
        "unexpected argument 'is'" + hint + R"("request create --reason 'db is down' --roles dba")"),
    err("unquoted reason before the id", "request review --approve --reason looks good ID",
        "unexpected argument 'good'" + hint + R"("request review --approve --reason 'looks good' ID")"),
    err("unquoted reason after the id", "request review --deny ID --reason=not now",
        "unexpected argument 'now'" + hint + R"("request review --deny ID '--reason=not now'")"),
    err("unquoted reason with a quote in it", R"(request create --roles dba --reason "it's" broken)",
        "unexpected argument 'broken'" + hint +
            R"("request create --roles dba --reason 'it'\\''s broken'")"),
    err("unquoted reason with shell specials", R"(request create --roles dba --reason '$x' y)",
        "unexpected argument 'y'" + hint + R"("request create --roles dba --reason '\$x y'")"),
    // recorded sessions
    ok("session play", "session play 1a2b3c4d", cmd::SessionPlay{"1a2b3c4d", 1}),
    ok("session play faster", "session play 1a2b3c4d-2 --speed 2", cmd::SessionPlay{"1a2b3c4d-2", 2}),
    ok("session play slower", "session play --speed=0.5 x.cast", cmd::SessionPlay{"x.cast", 0.5}),
    ok("session export", "session export 1a2b3c4d", cmd::SessionExport{"1a2b3c4d"}),
    err("session play without id", "session play", "missing the session ID: session play ID"),
    err("session export without id", "session export", "missing the session ID: session export ID"),
    err("speed zero", "session play x --speed 0", "--speed takes a number above 0 and at most 1000, not '0'"),
    err("speed words", "session play x --speed fast",
        "--speed takes a number above 0 and at most 1000, not 'fast'"),
    err("speed too high", "session play x --speed 1e9",
        "--speed takes a number above 0 and at most 1000, not '1e9'"),
    err("session alone", "session", "expected a command after 'session': list, watch, kill, play or export"),
    err("session unknown", "session frob", "unknown command 'session frob'"),
    err("export takes no speed", "session export x --speed 2", "unknown flag '--speed' for 'session export'"),
    // shell syntax and hostile bytes
    err("unterminated quote", "request create --roles dba --reason 'ticket",
        "unterminated single quote in the command"),
    err("unterminated double quote", "request create --roles dba --reason \"ticket",
        "unterminated double quote in the command"),
    err("escape sequences are shown, not sent", "request show a '\x1b[2J'",
        "unexpected argument '\\x1b[2J'"),
    err("escape sequence in a command name", "'\x1b]0;pwned\x07'",
        "unknown command '\\x1b]0;pwned\\x07'"),
};

}  // namespace

TEST_CASE("parse_command_line table", "[commands]") {
  const ParseRow row = GENERATE(from_range(parse_rows));
  CAPTURE(row.what, row.input);
  auto result = parse_command_line(row.input);
  if (row.command) {
    if (auto* error = std::get_if<UsageError>(&result)) FAIL("usage error: " << error->message);
    CHECK((std::get<Command>(result) == *row.command));
  } else {
    REQUIRE(std::holds_alternative<UsageError>(result));
    const auto& error = std::get<UsageError>(result);
    CHECK(error.message == row.error);
    CHECK(error.usage == ap::usage_text());
  }
}

TEST_CASE("usage lists every command and fits 80 columns", "[commands]") {
  const std::string usage = ap::usage_text("ssh -p 2222 approvals@bastion");
  for (const char* command :
       {"request create", "--roles", "--reviewers", "--max-duration", "--reason", "request list",
        "--mine", "--reviewable", "--all", "--format json", "request show", "request review",
        "--approve", "--deny", "request cancel", "request watch", "history", "--since", "help",
        "request drop", "request revoke", "lock create", "lock list", "lock remove",
        "session play", "--speed", "session export"}) {
    CAPTURE(command);
    CHECK(usage.find(command) != std::string::npos);
  }
  CHECK(usage.find("ssh -p 2222 approvals@bastion \"request review --deny --reason 'no ticket' "
                   "ID\"") != std::string::npos);
  std::size_t start = 0;
  while (start < usage.size()) {
    auto end = usage.find('\n', start);
    CHECK(end - start <= 80);
    start = end + 1;
  }
  CHECK(usage.back() == '\n');
}

TEST_CASE("the quoting hint names the real invocation", "[commands]") {
  auto result = parse_command_line("request create --roles dba --reason ticket #123",
                                   "ssh -p 2222 approvals@bastion");
  REQUIRE(std::holds_alternative<UsageError>(result));
  CHECK(std::get<UsageError>(result).message ==
        "unexpected argument '#123'; quote text with spaces: ssh -p 2222 approvals@bastion "
        "\"request create --roles dba --reason 'ticket #123'\"");
}
