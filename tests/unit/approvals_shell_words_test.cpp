// split_shell_words: POSIX-shell word splitting without any expansion, one table row per case;
// shell_quote round-trips through it.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "approvals/shell_words.hpp"

using holdgate::approvals::shell_quote;
using holdgate::approvals::ShellWordsError;
using holdgate::approvals::split_shell_words;

namespace {

using Words = std::vector<std::string>;

struct SplitRow {
  const char* what;
  std::string input;
  Words words;        // when error is empty
  std::string error;  // the exact message, or "" for success
};

SplitRow ok(const char* what, std::string input, Words words) {
  return {what, std::move(input), std::move(words), ""};
}
SplitRow err(const char* what, std::string input, std::string error) {
  return {what, std::move(input), {}, std::move(error)};
}

const std::vector<SplitRow> split_rows = {
    ok("empty", "", {}),
    ok("only blanks", " \t \n ", {}),
    ok("one word", "help", {"help"}),
    ok("spaces between", "request  list   --mine", {"request", "list", "--mine"}),
    ok("tabs and newlines separate", "a\tb\nc", {"a", "b", "c"}),
    ok("leading and trailing blanks", "  a b  ", {"a", "b"}),
    ok("carriage return is a character", "a\rb", {"a\rb"}),
    // single quotes
    ok("single quoted", "--reason 'ticket #123'", {"--reason", "ticket #123"}),
    ok("single quotes keep backslashes", R"('a\b\')", {R"(a\b\)"}),
    ok("single quotes keep double quotes and $", R"('say "hi" $HOME')", {R"(say "hi" $HOME)"}),
    ok("single quotes keep newlines", "'a\nb'", {"a\nb"}),
    ok("empty single quotes make a word", "a '' b", {"a", "", "b"}),
    // double quotes
    ok("double quoted", R"("ticket #123")", {"ticket #123"}),
    ok("double quotes: escaped quote", R"("say \"hi\"")", {R"(say "hi")"}),
    ok("double quotes: escaped backslash", R"("a\\b")", {R"(a\b)"}),
    ok("double quotes: escaped dollar and backtick", R"("\$HOME \`id\`")", {"$HOME `id`"}),
    ok("double quotes: other backslashes stay", R"("a\nb\'")", {R"(a\nb\')"}),
    ok("double quotes: backslash-newline vanishes", "\"a\\\nb\"", {"ab"}),
    ok("double quotes keep single quotes", R"("it's")", {"it's"}),
    ok("empty double quotes make a word", R"("")", {""}),
    ok("no variable expansion", R"("$USER" $HOME)", {"$USER", "$HOME"}),
    // backslash outside quotes
    ok("backslash escapes a space", R"(a\ b)", {"a b"}),
    ok("backslash escapes a quote", R"(it\'s)", {"it's"}),
    ok("backslash escapes a backslash", R"(a\\b)", {R"(a\b)"}),
    ok("backslash-newline joins", "a\\\nb", {"ab"}),
    ok("backslash-newline alone is no word", "a \\\n b", {"a", "b"}),
    // mixing
    ok("quotes join with adjacent text", R"(--reason='a b'"c d"e)", {"--reason=a bc de"}),
    ok("no glob expansion", "*.sql ? [ab]", {"*.sql", "?", "[ab]"}),
    ok("no tilde expansion", "~ ~root", {"~", "~root"}),
    ok("hash is not a comment", "ticket #123 # not a comment", {"ticket", "#123", "#", "not", "a", "comment"}),
    ok("semicolons and pipes are characters", "a;b | c && d", {"a;b", "|", "c", "&&", "d"}),
    ok("UTF-8 passes through", "'naïve 雪' ✔", {"naïve 雪", "✔"}),
    ok("the quoting hint round-trips",
       R"(request create --roles dba --reason 'ticket #123')",
       {"request", "create", "--roles", "dba", "--reason", "ticket #123"}),
    // errors
    err("unterminated single quote", "--reason 'ticket", "unterminated single quote"),
    err("lone single quote", "'", "unterminated single quote"),
    err("unterminated double quote", R"(--reason "ticket)", "unterminated double quote"),
    err("escaped closing double quote", R"("abc\")", "unterminated double quote"),
    err("trailing backslash", R"(abc\)", "trailing backslash"),
    err("only a backslash", R"(\)", "trailing backslash"),
};

}  // namespace

TEST_CASE("split_shell_words table", "[shell]") {
  const SplitRow row = GENERATE(from_range(split_rows));
  CAPTURE(row.what, row.input);
  auto result = split_shell_words(row.input);
  if (row.error.empty()) {
    REQUIRE(std::holds_alternative<Words>(result));
    CHECK(std::get<Words>(result) == row.words);
  } else {
    REQUIRE(std::holds_alternative<ShellWordsError>(result));
    CHECK(std::get<ShellWordsError>(result).message == row.error);
  }
}

TEST_CASE("shell_quote leaves safe words alone and round-trips the rest", "[shell]") {
  CHECK(shell_quote("dba") == "dba");
  CHECK(shell_quote("--roles=dba,ops") == "--roles=dba,ops");
  CHECK(shell_quote("ticket #123") == "'ticket #123'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("it's") == R"('it'\''s')");
  const std::vector<std::string> samples = {
      "plain", "two words", "it's", "\"quoted\"", "$HOME", "back\\slash", "new\nline", "",
      "#123", "'", "''", "tab\there", "✔ ok"};
  for (const auto& sample : samples) {
    CAPTURE(sample);
    auto words = split_shell_words(shell_quote(sample));
    REQUIRE(std::holds_alternative<Words>(words));
    CHECK(std::get<Words>(words) == Words{sample});
  }
}
