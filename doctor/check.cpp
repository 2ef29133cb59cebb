#include "doctor/check.hpp"

#include "approvals/json.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::doctor {

Check Check::passed(std::string what, std::string note) {
  return Check{std::move(what), {}, {}, std::move(note)};
}

Check Check::failed(std::string what, std::string problem, std::string fix) {
  return Check{std::move(what), std::move(problem), std::move(fix), {}};
}

std::string problem_and_fix(const Check& check) {
  auto text = policy::sanitize(check.problem);
  if (!check.fix.empty()) text += "; " + policy::sanitize(check.fix);
  return text;
}

std::string text_line(const Check& check) {
  if (check.ok()) {
    auto line = "ok   " + policy::sanitize(check.what);
    if (!check.note.empty()) line += " (" + policy::sanitize(check.note) + ")";
    return line;
  }
  return "FAIL " + policy::sanitize(check.what) + ": " + problem_and_fix(check);
}

std::string json_line(const Check& check) {
  approvals::JsonWriter json;
  json.begin_object().key("check").value(check.what).key("ok").value(check.ok());
  if (!check.ok()) json.key("problem").value(check.problem).key("fix").value(check.fix);
  if (!check.note.empty()) json.key("note").value(check.note);
  json.end_object();
  return json.str();
}

std::optional<std::string> first_refusal(const std::vector<Check>& checks) {
  for (const auto& check : checks) {
    if (!check.ok()) return policy::sanitize(check.problem);
  }
  return std::nullopt;
}

}  // namespace holdgate::doctor
