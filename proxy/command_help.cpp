#include "proxy/command_help.hpp"

#include <array>
#include <utility>

namespace holdgate::proxy {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> usages{{
    {"serve", R"(usage: holdgate serve [--config FILE] [--log-format text|json]

Runs the bastion in the foreground; one log line per event on stderr. Refuses to start, in one
sentence, for anything 'holdgate check-config' reports.

  --config FILE    the YAML configuration (default /etc/holdgate/holdgate.yaml)
  --log-format text|json
                   key=value text (default) or one JSON object per line; under systemd's
                   journal either gets a "<N>" priority prefix and no time
)"},
    {"check-config", R"(usage: holdgate check-config [--config FILE]

Validates FILE: prints FILE:LINE:COL: message for each problem in it, then runs every start-up
check of serve that needs no network (state_dir, keys, the database schema, hooks, webhooks'
ca_file) and prints one "holdgate: PROBLEM; FIX" line per failure. Exit 0 when serve would start.

  --config FILE    the YAML configuration (default /etc/holdgate/holdgate.yaml)
)"},
    {"doctor", R"(usage: holdgate doctor [--config FILE] [--connect] [--format json]

Checks everything serve would refuse at start-up, and what would fail later (targets missing
from known_hosts, the recording directory, a PostgreSQL database that does not answer), without
starting and without changing anything. One line per check:
  ok   WHAT
  FAIL WHAT: PROBLEM; HOW TO FIX
Exit 1 when any check failed.

  --config FILE    the YAML configuration (default /etc/holdgate/holdgate.yaml)
  --connect        also dial every target: reachable within limits.connect_timeout, its host key
                   the one pinned, and holdgate's upstream key accepted for the first login a
                   role names
  --format json    one JSON object per check: {"check":...,"ok":...,"problem":...,"fix":...}
)"},
    {"show-keys", R"(usage: holdgate show-keys [--config FILE] [--host | --upstream]

Prints public keys (generating missing ones): --host the known_hosts lines that pin holdgate,
--upstream the line to add to targets' authorized_keys; both by default.

  --config FILE    the YAML configuration (default /etc/holdgate/holdgate.yaml)
)"},
    {"known-hosts", R"(usage: holdgate known-hosts [--config FILE]

Prints the lines for users' ~/.ssh/known_hosts: holdgate itself and, for ProxyJump mode, every
target (holdgate answers them with its own host key).

  --config FILE    the YAML configuration (default /etc/holdgate/holdgate.yaml)
)"},
    {"audit", R"(usage: holdgate audit verify [--config FILE] [--checkpoint LINE]
       holdgate audit export [--config FILE] [--since 24h|ISO] [--format json]

verify   checks the audit trail's hash chain and the recordings' hashes: prints
         "ok: N events, M recordings", or names the first event that does not verify (exit 1);
         --checkpoint LINE also checks it against a signed checkpoint line
export   prints the audit trail, one JSON object per line

  --config FILE    the YAML configuration (default /etc/holdgate/holdgate.yaml)
)"},
    {"storage", R"(usage: holdgate storage copy --from sqlite:PATH --to postgresql://...

Copies the state from SQLite to an empty PostgreSQL database; prints the counts and checks them.
Takes no --config.
)"},
}};

}  // namespace

std::optional<std::string_view> command_usage(std::string_view command) {
  for (const auto& [name, text] : usages) {
    if (name == command) return text;
  }
  return std::nullopt;
}

}  // namespace holdgate::proxy
