#include "approvals/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "approvals/shell_words.hpp"
#include "config/load.hpp"
#include "config/spelling.hpp"
#include "policy/route.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {
namespace {

// What one command accepts. Flags either take a value or are switches.
struct FlagSpec {
  std::string_view name;
  bool takes_value;
};
struct CommandSpec {
  std::string_view name;  // "request create"
  std::vector<FlagSpec> flags;
  bool takes_id;  // one positional ID
  bool id_optional = false;  // with takes_id: the ID may be left out
};

const CommandSpec create_spec{"request create",
                              {{"--roles", true},
                               {"--login", true},
                               {"--target", true},
                               {"--reviewers", true},
                               {"--max-duration", true},
                               {"--reason", true},
                               {"--break-glass", false},
                               {"--confirm", true}},
                              false};
const CommandSpec list_spec{
    "request list", {{"--mine", false}, {"--reviewable", false}, {"--all", false}, {"--format", true}},
    false};
const CommandSpec show_spec{"request show", {{"--format", true}}, true};
const CommandSpec review_spec{
    "request review", {{"--approve", false}, {"--deny", false}, {"--reason", true}}, true};
const CommandSpec cancel_spec{"request cancel", {}, true};
const CommandSpec watch_spec{"request watch", {}, false};
const CommandSpec drop_spec{"request drop", {}, true, true};
const CommandSpec revoke_spec{"request revoke", {{"--reason", true}}, true};
const CommandSpec lock_create_spec{
    "lock create",
    {{"--user", true}, {"--target", true}, {"--role", true}, {"--ttl", true}, {"--reason", true}},
    false};
const CommandSpec lock_list_spec{"lock list", {}, false};
const CommandSpec lock_remove_spec{"lock remove", {}, true};
const std::vector<std::pair<std::string_view, const CommandSpec*>> lock_subcommands = {
    {"create", &lock_create_spec}, {"list", &lock_list_spec}, {"remove", &lock_remove_spec}};
// Sessions (issue 13, section 2)
const CommandSpec session_list_spec{"session list",
                                    {{"--live", false},
                                     {"--user", true},
                                     {"--target", true},
                                     {"--since", true},
                                     {"--format", true}},
                                    false};
const CommandSpec session_watch_spec{"session watch", {}, true};
const CommandSpec session_kill_spec{"session kill", {{"--reason", true}}, true};
const CommandSpec session_play_spec{"session play", {{"--speed", true}}, true};
const CommandSpec session_export_spec{"session export", {{"--stream", true}}, true};
const std::vector<std::pair<std::string_view, const CommandSpec*>> session_subcommands = {
    {"list", &session_list_spec}, {"watch", &session_watch_spec}, {"kill", &session_kill_spec},
    {"play", &session_play_spec}, {"export", &session_export_spec}};
const CommandSpec history_spec{"history", {{"--since", true}, {"--format", true}}, false};

const std::vector<std::pair<std::string_view, const CommandSpec*>> request_subcommands = {
    {"create", &create_spec}, {"list", &list_spec},     {"show", &show_spec},
    {"review", &review_spec}, {"cancel", &cancel_spec}, {"watch", &watch_spec},
    {"drop", &drop_spec},     {"revoke", &revoke_spec},
};

std::string shown(std::string_view word) { return "'" + policy::sanitize(word) + "'"; }

// " (did you mean 'X'?)" for the closest candidate within two edits, or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best = config::closest_word(word, candidates);
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

// Wraps a command in double quotes for the user's local shell: inside them only " \ $ ` are
// special, and the single quotes shell_quote made pass through to us untouched.
std::string double_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A command to copy and paste: shown as is when it is plain printable text (sanitize would
// double its backslashes and break the quoting), sanitised as a whole when it is not.
std::string terminal_safe(const std::string& command) {
  std::string without_backslashes;
  for (char c : command) {
    if (c != '\\') without_backslashes += c;
  }
  const bool printable = policy::sanitize(without_backslashes) == without_backslashes;
  return printable ? command : policy::sanitize(command);
}

struct Failure {
  std::string message;
};

// The words after the command name, sorted into flags and positionals.
struct Parsed {
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> switches;
  std::vector<std::size_t> positionals;             // indices into the words
  std::map<std::size_t, std::size_t> value_at;      // word index of a value -> index of its flag word
};

std::variant<Parsed, Failure> sort_words(const std::vector<std::string>& words, std::size_t first,
                                         const CommandSpec& spec) {
  Parsed parsed;
  bool flags_ended = false;
  for (std::size_t i = first; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (flags_ended || word.size() < 2 || word[0] != '-') {
      parsed.positionals.push_back(i);
      continue;
    }
    if (word == "--") {
      flags_ended = true;
      continue;
    }
    const auto equals = word.find('=');
    const bool inline_value = word.rfind("--", 0) == 0 && equals != std::string::npos;
    const std::string name = inline_value ? word.substr(0, equals) : word;
    auto found = std::find_if(spec.flags.begin(), spec.flags.end(),
                              [&](const FlagSpec& f) { return f.name == name; });
    if (found == spec.flags.end()) {
      std::vector<std::string_view> names;
      for (const auto& f : spec.flags) names.push_back(f.name);
      return Failure{"unknown flag " + shown(name) + " for '" + std::string(spec.name) + "'" +
                     did_you_mean(name, names)};
    }
    if (!found->takes_value) {
      if (inline_value) return Failure{name + " takes no value"};
      parsed.switches.insert(name);
      continue;
    }
    if (parsed.values.count(name)) return Failure{name + " is given twice"};
    if (inline_value) {
      parsed.values[name] = word.substr(equals + 1);
      parsed.value_at[i] = i;
      continue;
    }
    // A following flag is not taken as the value: `--reason --approve` means a reason was
    // forgotten. A value that starts with "--" can still be written --reason=--x.
    if (i + 1 == words.size() || words[i + 1].rfind("--", 0) == 0) {
      return Failure{name + " needs a value"};
    }
    parsed.values[name] = words[i + 1];
    parsed.value_at[i + 1] = i;
    ++i;
  }
  return parsed;
}

// Too many positionals. Most often a reason typed without quotes, so the words after a flag's
// value are joined back to it and the command is shown quoted that way.
Failure stray_argument(const std::vector<std::string>& words, const Parsed& parsed,
                       std::size_t allowed, std::string_view invocation) {
  const std::size_t extra = parsed.positionals.size() - allowed;
  for (std::size_t k = 0; k < parsed.positionals.size(); ++k) {
    const std::size_t index = parsed.positionals[k];
    if (!parsed.value_at.count(index - 1)) continue;
    // The run of positionals right after this value, of which `extra` are taken to belong to it.
    std::size_t run = 0;
    while (k + run < parsed.positionals.size() && parsed.positionals[k + run] == index + run) ++run;
    const std::size_t joined = std::min(run, extra);
    std::string value = words[index - 1];
    for (std::size_t j = 0; j < joined; ++j) value += " " + words[index + j];

    std::string meant;
    for (std::size_t w = 0; w < words.size(); ++w) {
      if (w >= index && w < index + joined) continue;
      meant += (meant.empty() ? "" : " ") + shell_quote(w == index - 1 ? value : words[w]);
    }
    return Failure{"unexpected argument " + shown(words[index]) +
                   "; quote text with spaces: " + std::string(invocation) + " " +
                   terminal_safe(double_quote(meant))};
  }
  return Failure{"unexpected argument " + shown(words[parsed.positionals[allowed]])};
}

std::variant<Parsed, Failure> parse_for(const std::vector<std::string>& words, std::size_t first,
                                        const CommandSpec& spec, std::string_view invocation) {
  auto sorted = sort_words(words, first, spec);
  if (auto* failure = std::get_if<Failure>(&sorted)) return *failure;
  auto& parsed = std::get<Parsed>(sorted);
  const std::size_t allowed = spec.takes_id ? 1 : 0;
  if (parsed.positionals.size() > allowed) return stray_argument(words, parsed, allowed, invocation);
  if (parsed.positionals.size() < allowed && !spec.id_optional) {
    const bool lock = spec.name.rfind("lock", 0) == 0;
    const bool session = spec.name.rfind("session", 0) == 0;
    return Failure{std::string("missing the ") + (lock ? "lock" : session ? "session" : "request") +
                   " ID: " +
                   std::string(spec.name) + " ID"};
  }
  return parsed;
}

std::string id_of(const std::vector<std::string>& words, const Parsed& parsed) {
  return words[parsed.positionals.front()];
}

// "dba,ops" -> {dba, ops}; blanks around commas and empty items are dropped.
std::vector<std::string> comma_list(std::string_view text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    auto item = text.substr(start, end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

std::variant<std::chrono::seconds, Failure> duration_value(const std::string& flag,
                                                           const std::string& text) {
  auto duration = config::parse_duration(text);
  if (!duration) {
    return Failure{"invalid duration " + shown(text) + " for " + flag +
                   " (use a number and a unit: 30s, 15m, 8h, 2d)"};
  }
  if (duration->count() <= 0) return Failure{flag + " must be more than 0s"};
  return *duration;
}

std::variant<bool, Failure> json_format(const Parsed& parsed) {
  auto found = parsed.values.find("--format");
  if (found == parsed.values.end() || found->second == "text") return false;
  if (found->second == "json") return true;
  return Failure{"unknown format " + shown(found->second) + " for --format (use json or text)"};
}

std::variant<Command, Failure> build_create(const Parsed& parsed) {
  cmd::Create create;
  auto login = parsed.values.find("--login");
  auto target = parsed.values.find("--target");
  auto roles = parsed.values.find("--roles");
  if ((login == parsed.values.end()) != (target == parsed.values.end())) {
    return Failure{"--login and --target go together (e.g. --login root --target db-1)"};
  }
  if (login != parsed.values.end()) {
    // The same checks as a login typed as `ssh LOGIN@TARGET`.
    auto route = policy::jump_route(login->second, target->second);
    if (auto* error = std::get_if<policy::RouteError>(&route)) return Failure{error->message};
    if (target->second.empty()) return Failure{"--target needs a target name"};
    create.login = login->second;
    create.target = target->second;
  } else if (roles == parsed.values.end()) {
    return Failure{"missing --roles (e.g. --roles dba) or --login and --target"};
  }
  if (roles != parsed.values.end()) {
    create.roles = comma_list(roles->second);
    if (create.roles.empty()) return Failure{"--roles needs at least one role name"};
  }
  if (auto it = parsed.values.find("--reviewers"); it != parsed.values.end()) {
    create.reviewers = comma_list(it->second);
  }
  if (auto it = parsed.values.find("--max-duration"); it != parsed.values.end()) {
    auto duration = duration_value(it->first, it->second);
    if (auto* failure = std::get_if<Failure>(&duration)) return *failure;
    create.max_duration = std::get<std::chrono::seconds>(duration);
  }
  if (auto it = parsed.values.find("--reason"); it != parsed.values.end()) {
    create.reason = it->second;
  }
  // Break-glass: the confirmation is the target's name typed again (checked by the rules).
  create.break_glass = parsed.switches.count("--break-glass") > 0;
  auto confirm = parsed.values.find("--confirm");
  if (create.break_glass && create.target.empty()) {
    return Failure{"--break-glass needs --login and --target"};
  }
  if (create.break_glass && confirm == parsed.values.end()) {
    return Failure{"--break-glass needs --confirm with the target's name (e.g. --confirm " +
                   shown(create.target) + ")"};
  }
  if (!create.break_glass && confirm != parsed.values.end()) {
    return Failure{"--confirm goes with --break-glass"};
  }
  if (confirm != parsed.values.end()) create.confirm = confirm->second;
  return create;
}

std::variant<Command, Failure> build_list(const Parsed& parsed) {
  cmd::List list;
  int scopes = 0;
  for (auto [flag, scope] : {std::pair{"--mine", ListScope::mine},
                             std::pair{"--reviewable", ListScope::reviewable},
                             std::pair{"--all", ListScope::all}}) {
    if (parsed.switches.count(flag)) list.scope = scope, ++scopes;
  }
  if (scopes > 1) return Failure{"choose only one of --mine, --reviewable and --all"};
  auto json = json_format(parsed);
  if (auto* failure = std::get_if<Failure>(&json)) return *failure;
  list.json = std::get<bool>(json);
  return list;
}

std::variant<Command, Failure> build_show(const std::vector<std::string>& words,
                                          const Parsed& parsed) {
  auto json = json_format(parsed);
  if (auto* failure = std::get_if<Failure>(&json)) return *failure;
  return cmd::Show{id_of(words, parsed), std::get<bool>(json)};
}

std::variant<Command, Failure> build_review(const std::vector<std::string>& words,
                                            const Parsed& parsed) {
  const bool approve = parsed.switches.count("--approve") > 0;
  const bool deny = parsed.switches.count("--deny") > 0;
  if (approve && deny) return Failure{"choose either --approve or --deny, not both"};
  if (!approve && !deny) return Failure{"missing --approve or --deny"};
  cmd::Review review;
  review.decision = approve ? Decision::approve : Decision::deny;
  if (auto it = parsed.values.find("--reason"); it != parsed.values.end()) review.reason = it->second;
  review.id = id_of(words, parsed);
  return review;
}

std::variant<Command, Failure> build_revoke(const std::vector<std::string>& words,
                                            const Parsed& parsed) {
  auto reason = parsed.values.find("--reason");
  if (reason == parsed.values.end()) return Failure{"missing --reason (say why access is revoked)"};
  return cmd::Revoke{id_of(words, parsed), reason->second};
}

std::variant<Command, Failure> build_lock_create(const Parsed& parsed) {
  cmd::LockCreate create;
  auto value = [&](const char* flag) {
    auto it = parsed.values.find(flag);
    return it == parsed.values.end() ? std::string() : it->second;
  };
  create.lock.user = value("--user");
  create.lock.target = value("--target");
  create.lock.role = value("--role");
  create.lock.reason = value("--reason");
  if (auto it = parsed.values.find("--ttl"); it != parsed.values.end()) {
    auto duration = duration_value(it->first, it->second);
    if (auto* failure = std::get_if<Failure>(&duration)) return *failure;
    create.lock.ttl = std::get<std::chrono::seconds>(duration);
  }
  if (!parsed.values.count("--reason")) return Failure{"missing --reason (say why it is locked)"};
  return create;
}

std::variant<Command, Failure> build_history(const Parsed& parsed) {
  cmd::History history;
  if (auto it = parsed.values.find("--since"); it != parsed.values.end()) {
    auto duration = duration_value(it->first, it->second);
    if (auto* failure = std::get_if<Failure>(&duration)) return *failure;
    history.since = std::get<std::chrono::seconds>(duration);
  }
  auto json = json_format(parsed);
  if (auto* failure = std::get_if<Failure>(&json)) return *failure;
  history.json = std::get<bool>(json);
  return history;
}

std::variant<Command, Failure> build_session_list(const Parsed& parsed) {
  cmd::SessionList list;
  list.live_only = parsed.switches.count("--live") > 0;
  if (auto it = parsed.values.find("--user"); it != parsed.values.end()) list.user = it->second;
  if (auto it = parsed.values.find("--target"); it != parsed.values.end()) list.target = it->second;
  if (auto it = parsed.values.find("--since"); it != parsed.values.end()) {
    auto duration = duration_value(it->first, it->second);
    if (auto* failure = std::get_if<Failure>(&duration)) return *failure;
    list.since = std::get<std::chrono::seconds>(duration);
  }
  auto json = json_format(parsed);
  if (auto* failure = std::get_if<Failure>(&json)) return *failure;
  list.json = std::get<bool>(json);
  return list;
}

std::variant<Command, Failure> build_session_kill(const std::vector<std::string>& words,
                                                  const Parsed& parsed) {
  auto reason = parsed.values.find("--reason");
  if (reason == parsed.values.end()) {
    return Failure{"missing --reason (say why the session is ended; its person is told)"};
  }
  return cmd::SessionKill{id_of(words, parsed), reason->second};
}

// "--speed" as typed: a number above 0 and at most 1000 ("2", "0.5").
std::optional<double> speed_value(std::string_view text) {
  double speed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), speed);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!(speed > 0) || speed > 1000) return std::nullopt;
  return speed;
}

std::variant<Command, Failure> build_session_play(const std::vector<std::string>& words,
                                                  const Parsed& parsed) {
  cmd::SessionPlay play{id_of(words, parsed)};
  if (auto it = parsed.values.find("--speed"); it != parsed.values.end()) {
    auto speed = speed_value(it->second);
    if (!speed) return Failure{"--speed takes a number above 0 and at most 1000, not " + shown(it->second)};
    play.speed = *speed;
  }
  return play;
}

std::variant<Command, Failure> build_session_export(const std::vector<std::string>& words,
                                                    const Parsed& parsed) {
  cmd::SessionExport exported{id_of(words, parsed)};
  if (auto it = parsed.values.find("--stream"); it != parsed.values.end()) {
    if (it->second != "stdout" && it->second != "stderr" && it->second != "stdin") {
      return Failure{"--stream takes stdout, stderr or stdin, not " + shown(it->second)};
    }
    exported.stream = it->second;
  }
  return exported;
}

std::variant<Command, Failure> parse(const std::vector<std::string>& words,
                                     std::string_view invocation) {
  if (words.empty()) return Failure{"expected a command"};
  const std::string& name = words[0];
  if (name == "help") return cmd::Help{};

  const CommandSpec* spec = nullptr;
  std::size_t first = 1;
  if (name == "history") {
    spec = &history_spec;
  } else if (name == "lock") {
    if (words.size() == 1) return Failure{"expected a command after 'lock': create, list or remove"};
    for (const auto& [sub, sub_spec] : lock_subcommands) {
      if (words[1] == sub) spec = sub_spec;
    }
    if (!spec) return Failure{"unknown command " + shown("lock " + words[1])};
    first = 2;
  } else if (name == "session") {
    if (words.size() == 1) {
      return Failure{"expected a command after 'session': list, watch, kill, play or export"};
    }
    for (const auto& [sub, sub_spec] : session_subcommands) {
      if (words[1] == sub) spec = sub_spec;
    }
    if (!spec) return Failure{"unknown command " + shown("session " + words[1])};
    first = 2;
  } else if (name == "request") {
    std::vector<std::string_view> names;
    for (const auto& [_, sub_spec] : request_subcommands) names.push_back(sub_spec->name);
    if (words.size() == 1) {
      return Failure{"expected a command after 'request': create, list, show, review, cancel, "
                     "watch, drop or revoke"};
    }
    for (const auto& [sub, sub_spec] : request_subcommands) {
      if (words[1] == sub) spec = sub_spec;
    }
    if (!spec) {
      const std::string typed = "request " + words[1];
      return Failure{"unknown command " + shown(typed) + did_you_mean(typed, names)};
    }
    first = 2;
  } else {
    // `create ...` for `request create ...` is an easy slip; say so.
    for (const auto& [sub, _] : request_subcommands) {
      if (name == sub) {
        return Failure{"unknown command " + shown(name) + " (did you mean 'request " +
                       std::string(sub) + "'?)"};
      }
    }
    return Failure{"unknown command " + shown(name) +
                   did_you_mean(name, {"request", "lock", "session", "history", "help"})};
  }

  auto parsed_or = parse_for(words, first, *spec, invocation);
  if (auto* failure = std::get_if<Failure>(&parsed_or)) return *failure;
  const auto& parsed = std::get<Parsed>(parsed_or);
  if (spec == &create_spec) return build_create(parsed);
  if (spec == &list_spec) return build_list(parsed);
  if (spec == &show_spec) return build_show(words, parsed);
  if (spec == &review_spec) return build_review(words, parsed);
  if (spec == &cancel_spec) return cmd::Cancel{id_of(words, parsed)};
  if (spec == &watch_spec) return cmd::Watch{};
  if (spec == &drop_spec) {
    return cmd::Drop{parsed.positionals.empty() ? std::string() : id_of(words, parsed)};
  }
  if (spec == &revoke_spec) return build_revoke(words, parsed);
  if (spec == &lock_create_spec) return build_lock_create(parsed);
  if (spec == &lock_list_spec) return cmd::LockList{};
  if (spec == &lock_remove_spec) return cmd::LockRemove{id_of(words, parsed)};
  if (spec == &session_list_spec) return build_session_list(parsed);
  if (spec == &session_watch_spec) return cmd::SessionWatch{id_of(words, parsed)};
  if (spec == &session_kill_spec) return build_session_kill(words, parsed);
  if (spec == &session_play_spec) return build_session_play(words, parsed);
  if (spec == &session_export_spec) return build_session_export(words, parsed);
  return build_history(parsed);
}

}  // namespace

ParsedCommand parse_command_words(const std::vector<std::string>& words,
                                  std::string_view invocation) {
  // Help wins over everything else on the line, even over mistakes in it.
  for (const auto& word : words) {
    if (word == "--") break;
    if (word == "--help" || word == "-h") return Command{cmd::Help{}};
  }
  auto result = parse(words, invocation);
  if (auto* failure = std::get_if<Failure>(&result)) {
    return UsageError{std::move(failure->message), usage_text(invocation)};
  }
  return std::get<Command>(std::move(result));
}

ParsedCommand parse_command_line(std::string_view text, std::string_view invocation) {
  auto words = split_shell_words(text);
  if (auto* error = std::get_if<ShellWordsError>(&words)) {
    return UsageError{error->message + " in the command", usage_text(invocation)};
  }
  return parse_command_words(std::get<std::vector<std::string>>(words), invocation);
}

std::string usage_text(std::string_view invocation) {
  const std::string ssh(invocation);
  return "Usage: " + ssh + " [COMMAND]\n"
         "Without a command, on a terminal: a menu of the requests you can review.\n"
         "\n"
         "  request create --login LOGIN --target TARGET [--roles ROLE]\n"
         "                 [--reviewers NAME[,NAME...]] [--max-duration 2h]\n"
         "                 --reason \"TEXT\"\n"
         "      ask to log in as LOGIN on TARGET, and only that; prints the request ID\n"
         "      and who can review it\n"
         "  request create --roles ROLE[,ROLE...] [--reviewers NAME[,NAME...]]\n"
         "                 [--max-duration 2h] --reason \"TEXT\"\n"
         "      ask for whole roles\n"
         "  request create --login LOGIN --target TARGET --break-glass --confirm TARGET\n"
         "                 --reason \"TEXT\"\n"
         "      break-glass: access at once, audited; its reviewers must ratify it\n"
         "      (request review --approve ID; --deny rejects it), or you are locked\n"
         "  request list [--mine | --reviewable | --all] [--format json]\n"
         "      yours and those you can review (default), or only one kind, or all\n"
         "  request show ID [--format json]\n"
         "  request review --approve | --deny [--reason \"TEXT\"] ID\n"
         "  request cancel ID\n"
         "  request drop [ID]\n"
         "      give up access granted to you now (without ID: all of it)\n"
         "  request revoke ID --reason \"TEXT\"\n"
         "      end someone's granted access now (reviewers of its roles, admins)\n"
         "  lock create --user NAME | --target NAME | --role NAME [--ttl 1h]\n"
         "              --reason \"TEXT\"\n"
         "  lock list\n"
         "  lock remove ID\n"
         "      incident locks: block the logins and approvals they cover (admins)\n"
         "  request watch\n"
         "      request changes as they happen, one JSON object per line\n"
         "  session list [--live] [--user NAME] [--target NAME] [--since 24h]\n"
         "               [--format json]\n"
         "      relayed sessions, finished and LIVE (yours, those you review, or all\n"
         "      for audit roles)\n"
         "  session watch ID\n"
         "      watch a live terminal session, read-only (q or Ctrl-C to stop)\n"
         "  session kill ID --reason \"TEXT\"\n"
         "      end someone's live session (reviewers of its roles, admins)\n"
         "  session play ID [--speed 2]\n"
         "      replay a recorded session in your terminal (q stops; idle gaps cut to 2s)\n"
         "  session export ID\n"
         "      the recording as an asciicast file: ... session export ID > s.cast\n"
         "      --stream stdout|stderr|stdin: only those bytes of an exec or subsystem\n"
         "      recorded under mode all, as they were sent\n"
         "  history [--since 24h] [--format json]\n"
         "      audit events and resolved requests (durations: 30s, 15m, 8h, 2d)\n"
         "  web login\n"
         "      a one-time link (2 minutes) that signs you in to the reviewer web page\n"
         "  web logout --all\n"
         "      end all your web page sessions\n"
         "  help\n"
         "\n"
         "Flags take `--flag value` or `--flag=value`. Quote text with spaces twice, once\n"
         "for your shell and once for ours:\n"
         "  " + ssh + " \"request review --deny --reason 'no ticket' ID\"\n";
}

}  // namespace holdgate::approvals
