// One check of `holdgate doctor` (and of check-config and serve's start-up): what was looked at,
// and when it is wrong, the problem and how to fix it. Pure values and their output forms.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace holdgate::doctor {

struct Check {
  std::string what;     // "host key /var/lib/holdgate/ssh_host_ed25519_key"
  std::string problem;  // empty: ok
  std::string fix;      // how to make the problem go away (empty when ok)
  std::string note;     // optional detail on an ok line ("generated at first start")

  bool ok() const { return problem.empty(); }
  static Check passed(std::string what, std::string note = {});
  static Check failed(std::string what, std::string problem, std::string fix);
};

// "ok   WHAT (NOTE)" or "FAIL WHAT: PROBLEM; FIX" with everything sanitised (names and paths
// come from the config and may hold control characters).
std::string text_line(const Check& check);

// {"check":"WHAT","ok":true,...} on one line: "problem" and "fix" when it failed, "note" when set.
std::string json_line(const Check& check);

// "PROBLEM; FIX", sanitised (check-config's line for a failed check).
std::string problem_and_fix(const Check& check);

// Why serve would refuse to start: the first failed check's problem, sanitised, in the words
// serve has always used, or nullopt when every check passed.
std::optional<std::string> first_refusal(const std::vector<Check>& checks);

}  // namespace holdgate::doctor
