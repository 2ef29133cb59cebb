// The approvals channel's command line (approvals/shell_words.hpp, approvals/command_line.hpp):
// the one string an SSH exec request carries, split as a shell would and parsed into a command.
// Words split and quoted again come back the same; a refusal is a sentence for the person's
// terminal and must hold nothing that terminal would act on.
#include <string>
#include <vector>

#include "approvals/command_line.hpp"
#include "approvals/shell_words.hpp"
#include "fuzz_check.hpp"

namespace {

using holdgate::fuzz::as_text;
using holdgate::fuzz::has_no_control_bytes;
namespace ap = holdgate::approvals;

constexpr std::string_view invocation = "ssh -p 2222 approvals@bastion";

void check_parsed(const ap::ParsedCommand& parsed) {
  if (auto* error = std::get_if<ap::UsageError>(&parsed)) {
    FUZZ_CHECK(!error->message.empty());
    FUZZ_CHECK(has_no_control_bytes(error->message));
    FUZZ_CHECK(!error->usage.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);

  auto split = ap::split_shell_words(text);
  if (auto* words = std::get_if<std::vector<std::string>>(&split)) {
    // shell_quote is how holdgate shows a command to copy: it must give the same words back.
    std::string line;
    for (const auto& word : *words) line += (line.empty() ? "" : " ") + ap::shell_quote(word);
    auto again = ap::split_shell_words(line);
    FUZZ_CHECK(std::holds_alternative<std::vector<std::string>>(again));
    FUZZ_CHECK(std::get<std::vector<std::string>>(again) == *words);
    check_parsed(ap::parse_command_words(*words, invocation));
  } else {
    FUZZ_CHECK(!std::get<ap::ShellWordsError>(split).message.empty());
  }

  check_parsed(ap::parse_command_line(text, invocation));
  return 0;
}
