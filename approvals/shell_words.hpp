// An SSH exec request carries one string; OpenSSH joined the client's words with spaces and the
// user quoted them for their own shell. We split it back the way a POSIX shell would, but never
// expand anything: no variables, globs, tildes, command substitution, and no comments.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace holdgate::approvals {

struct ShellWordsError {
  std::string message;  // e.g. "unterminated single quote"
};

// Splits `text` into words:
//  - spaces, tabs and newlines separate words;
//  - '...' keeps everything literally (no escapes inside);
//  - "..." keeps everything, except that a backslash escapes " \ $ ` and newline (a backslash
//    before anything else stays as written, as in sh);
//  - outside quotes a backslash escapes the next character; backslash-newline joins lines;
//  - '' and "" make an empty word; '#' is an ordinary character, not a comment.
// Errors: "unterminated single quote", "unterminated double quote", "trailing backslash".
std::variant<std::vector<std::string>, ShellWordsError> split_shell_words(std::string_view text);

// Quotes `word` so that split_shell_words (and sh) give it back unchanged: as is when it holds
// only safe characters, otherwise in single quotes ('\'' for an embedded quote).
std::string shell_quote(std::string_view word);

}  // namespace holdgate::approvals
