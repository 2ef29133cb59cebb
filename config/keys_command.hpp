// The pure parts of `keys_command:` (issue 15, section 4): splitting the command into argv (no
// shell ever sees it), expanding its tokens for one user, and reading what it printed as
// authorized_keys lines. proxy/key_directory.* runs it and caches the answers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace holdgate::config {

struct CommandSplit {
  std::vector<std::string> argv;
  std::string problem;  // set when the command is refused; argv is then empty
};

// Words separated by spaces or tabs; '...' and "..." quote a word (or part of one) with spaces
// in it, with no escapes inside. The first word must be an absolute path (as sshd requires of
// AuthorizedKeysCommand: PATH is not searched). The only tokens are %u (the holdgate user
// name) and %% (a '%'); any other '%' is refused here, at load time, not at login.
CommandSplit split_keys_command(std::string_view command);

// `argv` with %u replaced by `user` and %% by '%' in every word. A user name becomes part of a
// word, never more words: it cannot add arguments.
std::vector<std::string> expand_keys_command(const std::vector<std::string>& argv,
                                             std::string_view user);

struct KeysOutput {
  std::vector<AuthorizedKey> keys;
  // Lines that begin with options (from=, command=, no-pty, ...): skipped. holdgate cannot
  // honour them, and taking the key without them would grant more than the directory meant.
  int skipped_with_options = 0;
  std::string problem;  // set when the output is not authorized_keys lines: then no key at all
};

// One key per line; blank lines and lines starting with '#' are ignored, as in authorized_keys.
// Any other line that is not "TYPE BLOB [comment]" makes the whole answer unusable (the
// program is broken or printed something else): `problem` names the first such line.
KeysOutput parse_keys_output(std::string_view output);

}  // namespace holdgate::config
