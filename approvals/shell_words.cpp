#include "approvals/shell_words.hpp"

#include <optional>

namespace holdgate::approvals {
namespace {

bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Inside double quotes sh only lets a backslash escape these; before anything else it is kept.
bool escapable_in_double_quotes(char c) {
  return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n';
}

}  // namespace

std::variant<std::vector<std::string>, ShellWordsError> split_shell_words(std::string_view text) {
  std::vector<std::string> words;
  // A word exists once any of its characters (or a quote pair, for the empty word) was seen.
  std::optional<std::string> word;
  auto current = [&word]() -> std::string& { return word ? *word : word.emplace(); };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_separator(c)) {
      if (word) words.push_back(std::move(*word));
      word.reset();
      ++i;
    } else if (c == '\\') {
      if (i + 1 == text.size()) return ShellWordsError{"trailing backslash"};
      // Backslash-newline is a line continuation: it vanishes and does not start a word.
      if (text[i + 1] != '\n') current().push_back(text[i + 1]);
      i += 2;
    } else if (c == '\'') {
      const auto close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return ShellWordsError{"unterminated single quote"};
      current().append(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '"') {
      std::string& out = current();
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < text.size() && escapable_in_double_quotes(text[i + 1])) {
          if (text[i + 1] != '\n') out.push_back(text[i + 1]);
          i += 2;
          continue;
        }
        out.push_back(d);
        ++i;
      }
      if (!closed) return ShellWordsError{"unterminated double quote"};
    } else {
      current().push_back(c);
      ++i;
    }
  }
  if (word) words.push_back(std::move(*word));
  return words;
}

std::string shell_quote(std::string_view word) {
  auto safe = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == ',' || c == '/' || c == ':' || c == '@' ||
           c == '%' || c == '+' || c == '=';
  };
  bool plain = !word.empty();
  for (char c : word) plain = plain && safe(c);
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace holdgate::approvals
