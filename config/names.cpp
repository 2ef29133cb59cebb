#include "config/names.hpp"

#include <algorithm>

namespace holdgate::config::detail {
namespace {

std::string_view kind_name(NameKind kind) {
  switch (kind) {
    case NameKind::target: return "target";
    case NameKind::user: return "user";
    case NameKind::role: return "role";
    case NameKind::hook: return "hook";
  }
  return "";
}

// Names appear in `ssh login@target@bastion`, in logs and in URLs, so they stay plain.
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

std::string name_problem(NameKind kind, std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (kind == NameKind::target && name.find('@') != std::string_view::npos) {
    return "target name '" + std::string(name) +
           "' must not contain '@' (it separates login and target)";
  }
  if (!std::all_of(name.begin(), name.end(), is_name_char)) {
    return "'" + std::string(name) + "' is not a valid " + std::string(kind_name(kind)) +
           " name; use only letters, digits, '.', '_' and '-'";
  }
  // Reserved for holdgate's own approvals entry point, which must never resolve to a person.
  if (kind == NameKind::user && name == "approvals") return "the user name 'approvals' is reserved";
  return {};
}

std::optional<std::string> NameSet::read(const Fields& fields) {
  auto entry = fields.require("name");
  if (!entry) return std::nullopt;
  auto name = read_string(*entry);
  if (!name) return std::nullopt;

  if (auto problem = name_problem(kind_, *name); !problem.empty()) entry->error(problem);

  auto first =
      std::find_if(seen_.begin(), seen_.end(), [&](auto& seen) { return seen.first == *name; });
  if (first != seen_.end()) {
    entry->error("duplicate " + std::string(kind_name(kind_)) + " name '" + *name +
                 "' (first defined at line " + std::to_string(first->second) + ")");
  } else {
    seen_.emplace_back(*name, entry->mark.line + 1);
  }
  return name;
}

}  // namespace holdgate::config::detail
