#include "config/keys_command.hpp"

#include "config/keys.hpp"

namespace holdgate::config {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

// The token problem in one word, or "".
std::string token_problem(std::string_view word) {
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '%') continue;
    if (i + 1 < word.size() && (word[i + 1] == 'u' || word[i + 1] == '%')) {
      ++i;
      continue;
    }
    if (i + 1 == word.size()) return "a '%' at the end of a word (write %% for a '%')";
    return "unknown token '%" + std::string(1, word[i + 1]) + "' (known: %u, %%)";
  }
  return {};
}

CommandSplit refuse(std::string problem) { return {{}, std::move(problem)}; }

}  // namespace

CommandSplit split_keys_command(std::string_view command) {
  std::vector<std::string> argv;
  std::size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && is_space(command[i])) ++i;
    if (i == command.size()) break;
    std::string word;
    while (i < command.size() && !is_space(command[i])) {
      const char c = command[i];
      if (c == '\'' || c == '"') {
        const auto close = command.find(c, i + 1);
        if (close == std::string_view::npos) {
          return refuse(std::string("the quote ") + c + " is not closed");
        }
        word.append(command.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
      if (c == '\n' || c == '\r' || c == '\0') return refuse("the command is one line");
      word += c;
      ++i;
    }
    argv.push_back(std::move(word));
  }
  if (argv.empty()) return refuse("the command is empty");
  if (argv[0].empty() || argv[0][0] != '/') {
    return refuse("the program must be an absolute path (PATH is not searched), e.g. "
                  "/usr/bin/sss_ssh_authorizedkeys %u");
  }
  if (argv[0].find('%') != std::string::npos) return refuse("the program path cannot hold tokens");
  for (const auto& word : argv) {
    if (auto problem = token_problem(word); !problem.empty()) return refuse(problem);
  }
  return {std::move(argv), {}};
}

std::vector<std::string> expand_keys_command(const std::vector<std::string>& argv,
                                             std::string_view user) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (const auto& word : argv) {
    std::string expanded;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (word[i] == '%' && i + 1 < word.size()) {
        if (word[i + 1] == 'u') {
          expanded.append(user);
          ++i;
          continue;
        }
        if (word[i + 1] == '%') {
          expanded += '%';
          ++i;
          continue;
        }
      }
      expanded += word[i];
    }
    out.push_back(std::move(expanded));
  }
  return out;
}

KeysOutput parse_keys_output(std::string_view output) {
  KeysOutput result;
  int number = 0;
  while (!output.empty()) {
    const auto end = output.find('\n');
    std::string_view line = output.substr(0, end);
    output = end == std::string_view::npos ? std::string_view{} : output.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    auto parsed = detail::parse_authorized_key(line);
    if (parsed.key) {
      result.keys.push_back(std::move(*parsed.key));
      continue;
    }
    if (parsed.options) {
      ++result.skipped_with_options;
      continue;
    }
    result.keys.clear();
    result.skipped_with_options = 0;
    result.problem = "line " + std::to_string(number) + " is not a key: " + parsed.problem;
    return result;
  }
  return result;
}

}  // namespace holdgate::config
