// holdgate: an SSH bastion with inline just-in-time escalation.
//   holdgate serve --config FILE [--log-format text|json]
//   holdgate check-config --config FILE
//   holdgate doctor --config FILE [--connect] [--format json]
//   holdgate show-keys --config FILE [--host | --upstream]
//   holdgate known-hosts --config FILE
//   holdgate audit verify --config FILE [--checkpoint LINE]
//   holdgate audit export --config FILE [--since 24h|ISO] [--format json]
//   holdgate storage copy --from sqlite:PATH --to postgresql://...
#include <csignal>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_command.hpp"
#include "command_help.hpp"
#include "doctor/doctor_command.hpp"
#include "doctor/startup_checks.hpp"
#include "config/load.hpp"
#include "policy/sanitize.hpp"
#include "config_reload.hpp"
#include "runtime/event_log.hpp"
#include "holdgate/version.hpp"
#include "keys.hpp"
#include "runtime/net.hpp"
#include "server.hpp"
#include "systemd/journal_stream.hpp"
#include "systemd/notify.hpp"
#include "stores/copy_command.hpp"

namespace {

using namespace holdgate;

constexpr std::string_view usage = R"(usage: holdgate COMMAND [--config FILE] [options]

commands:
  serve          run the bastion in the foreground; one log line per event on stderr
  check-config   validate FILE; prints FILE:LINE:COL: message for each problem, then
                 runs serve's start-up checks that need no network
  doctor         check everything serve needs, without starting: one "ok"/"FAIL" line per
                 check (--connect also dials every target, --format json)
  show-keys      print public keys: --host (known_hosts lines to pin holdgate),
                 --upstream (the line to add to targets' authorized_keys); both by default
  known-hosts    print the lines for users' ~/.ssh/known_hosts: holdgate itself and, for
                 ProxyJump mode, every target (holdgate answers them with its own host key)
  audit verify   check the audit trail's hash chain and the recordings' hashes: prints
                 "ok: N events, M recordings", or names the first event that does not verify
                 (exit 1); --checkpoint LINE also checks it against a signed checkpoint line
  audit export   print the audit trail, one JSON object per line (--since 24h|ISO time,
                 --format json)
  storage copy   copy the state from SQLite to an empty PostgreSQL database:
                 --from sqlite:PATH --to postgresql://...; prints the counts and checks them
                 (no --config)

options:
  --config FILE  the YAML configuration (default /etc/holdgate/holdgate.yaml)
  --log-format text|json
                 serve's log lines: key=value text (default) or one JSON object per line;
                 under systemd's journal either gets a "<N>" priority prefix and no time
  --help         show this help (COMMAND --help: that command's)
  --version      show the version
)";

struct Arguments {
  std::string command;
  std::string config;
  bool host = false, upstream = false, help = false, version = false;
  bool config_given = false;
  doctor::DoctorOptions doctor;  // `doctor`
  LogFormat log_format = LogFormat::text;
  audit::AuditOptions audit;  // `audit verify|export`
  std::string storage_action, copy_from, copy_to;  // `storage copy`
};

// Returns an error sentence for bad usage (exit 2).
std::string parse_arguments(int argc, char** argv, Arguments& args) {
  std::vector<std::string_view> words(argv + 1, argv + argc);
  for (std::size_t i = 0; i < words.size(); ++i) {
    auto w = words[i];
    if (w == "--help" || w == "-h") args.help = true;
    else if (w == "--version") args.version = true;
    else if (w == "--host") args.host = true;
    else if (w == "--upstream") args.upstream = true;
    else if (w == "--config") {
      if (i + 1 == words.size()) return "--config needs a FILE";
      args.config = words[++i];
      args.config_given = true;
    } else if (w.starts_with("--config=")) {
      args.config = w.substr(9);
      args.config_given = true;
    } else if (args.command == "doctor" && w == "--connect") args.doctor.connect = true;
    else if (args.command == "doctor" && w == "--format") {
      if (i + 1 == words.size() || words[i + 1] != "json") return "--format needs json";
      args.doctor.json = true;
      ++i;
    }
    else if (w == "--log-format") {
      if (i + 1 == words.size()) return "--log-format needs text or json";
      auto format = words[++i];
      if (format == "json") args.log_format = LogFormat::json;
      else if (format != "text") return "unknown --log-format '" + std::string(format) + "' (text or json)";
    }
    else if (args.command == "audit" && (w == "--checkpoint" || w == "--since" || w == "--format")) {
      if (i + 1 == words.size()) return std::string(w) + " needs a value";
      std::string value(words[++i]);
      if (w == "--checkpoint") args.audit.checkpoint = value;
      else if (w == "--since") args.audit.since = value;
      else args.audit.format = value;
    } else if (args.command == "storage" && (w == "--from" || w == "--to")) {
      if (i + 1 == words.size()) return std::string(w) + " needs a value";
      (w == "--from" ? args.copy_from : args.copy_to) = words[++i];
    } else if (w.starts_with("-")) return "unknown option '" + std::string(w) + "'";
    else if (args.command.empty()) args.command = w;
    else if (args.command == "audit" && args.audit.action.empty()) args.audit.action = w;
    else if (args.command == "storage" && args.storage_action.empty()) args.storage_action = w;
    else return "unexpected argument '" + std::string(w) + "'";
  }
  if (args.help || args.version) return {};
  if (args.command.empty()) return "missing COMMAND";
  if (args.command != "serve" && args.command != "check-config" && args.command != "doctor" &&
      args.command != "show-keys" &&
      args.command != "known-hosts" && args.command != "audit" && args.command != "storage") {
    return "unknown command '" + args.command + "'";
  }
  if (args.command == "audit" && args.audit.action != "verify" && args.audit.action != "export") {
    return "audit needs verify or export";
  }
  if (args.command == "storage") {
    if (args.storage_action != "copy") return "storage needs copy";
    if (args.copy_from.empty() || args.copy_to.empty()) return "storage copy needs --from and --to";
    return {};
  }
  if (!args.config_given) args.config = proxy::default_config_path;
  return {};
}

std::optional<config::Config> load(const std::string& path, std::string_view error_prefix) {
  auto result = config::load_config(path);
  // The messages quote the file's values, which may hold escape sequences: a terminal shows them.
  for (const auto& error : result.errors) {
    std::cerr << error_prefix << policy::sanitize(error.to_string()) << '\n';
  }
  return std::move(result.config);
}

// "[127.0.0.1]:2222" as known_hosts spells holdgate's own address ("bastion" for a wildcard).
std::string bastion_pattern(const config::Config& config) {
  std::string name = config.listen.host == "0.0.0.0" || config.listen.host == "::"
                         ? "bastion" : config.listen.host;
  return config.listen.port == 22 ? name : "[" + name + "]:" + std::to_string(config.listen.port);
}

// Prints one known_hosts line per holdgate host key and pattern; false on a key error.
bool print_host_keys(const config::Config& config, const std::vector<std::string>& patterns) {
  for (const auto& path : proxy::host_key_paths(config)) {
    auto key = proxy::load_or_generate_key(path);
    if (auto* e = std::get_if<proxy::KeyError>(&key)) {
      std::cerr << "holdgate: " << e->message << '\n';
      return false;
    }
    for (const auto& pattern : patterns) {
      std::cout << pattern << ' ' << proxy::public_key_line(std::get<proxy::KeyHandle>(key).get()) << '\n';
    }
  }
  return true;
}

bool prepare_state_dir(const config::Config& config) {
  auto state_dir = proxy::ensure_state_dir(config.state_dir);
  if (auto* e = std::get_if<proxy::KeyError>(&state_dir)) {
    std::cerr << "holdgate: " << e->message << '\n';
    return false;
  }
  return true;
}

int show_keys(const config::Config& config, bool host, bool upstream) {
  if (!host && !upstream) host = upstream = true;
  if (!prepare_state_dir(config)) return 1;
  if (host && !print_host_keys(config, {bastion_pattern(config)})) return 1;
  if (upstream) {
    auto key = proxy::load_or_generate_key(config.upstream.identity);
    if (auto* e = std::get_if<proxy::KeyError>(&key)) {
      std::cerr << "holdgate: " << e->message << '\n';
      return 1;
    }
    std::cout << proxy::public_key_line(std::get<proxy::KeyHandle>(key).get(), "holdgate-upstream") << '\n';
  }
  return 0;
}

// The lines a user appends to ~/.ssh/known_hosts: holdgate itself, and every target, whose
// inner connection holdgate answers in ProxyJump mode with the same host key.
int known_hosts(const config::Config& config) {
  if (!prepare_state_dir(config)) return 1;
  std::vector<std::string> patterns{bastion_pattern(config)};
  if (!config.targets.empty()) {
    std::string names;
    for (const auto& target : config.targets) names += (names.empty() ? "" : ",") + target.name;
    patterns.push_back(names);
  }
  return print_host_keys(config, patterns) ? 0 : 1;
}

// Tells systemd (Type=notify) what holdgate is doing; a failure to tell it is logged, never fatal.
void notify(const systemd::Notifier& notifier, EventLog& log, std::string_view state) {
  if (auto error = notifier.notify(state)) log.write("notify-error", {{"reason", *error}});
}

int serve(const config::Config& config, const std::string& config_file, LogStyle style) {
  using namespace holdgate::proxy;
  std::signal(SIGPIPE, SIG_IGN);
  auto notifier = systemd::Notifier::from_environment();
  asio::io_context io(1);
  EventLog log(std::cerr, style);
  // The checks check-config and doctor make, so serve refuses in the same words.
  if (auto refusal = doctor::first_refusal(doctor::startup_checks(config))) {
    std::cerr << error_prefix(style) << "holdgate: " << *refusal << '\n';
    return 1;
  }
  Server server(io, std::make_shared<const config::Config>(config), log);
  if (auto error = server.start()) {
    std::cerr << error_prefix(style) << "holdgate: " << *error << '\n';
    return 1;
  }
  server.run();
  notify(notifier, log, "READY=1");  // start() returned: the port accepts connections
  // SIGHUP re-reads config_file (config_reload.hpp).
  ConfigReloader reloader(io, config_file, server, log,
                          [&](std::string_view state) { notify(notifier, log, state); });
  reloader.start();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool shutting_down = false;
  std::function<void(error_code, int)> on_signal = [&](error_code ec, int) {
    if (ec) return;
    if (shutting_down) {
      server.stop_all();  // a second signal: do not wait for the grace period
      return;
    }
    shutting_down = true;
    notify(notifier, log, "STOPPING=1");
    reloader.stop();
    signals.async_wait(on_signal);
    asio::co_spawn(io, server.shutdown(), [&](std::exception_ptr e) {
      signals.cancel();
      io.stop();
      if (e) std::rethrow_exception(e);
    });
  };
  signals.async_wait(on_signal);
  io.run();
  log.write("stopped", {});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (auto error = parse_arguments(argc, argv, args); !error.empty()) {
    std::cerr << "holdgate: " << error << "\n\n" << usage;
    return 2;
  }
  if (args.help) {
    std::cout << proxy::command_usage(args.command).value_or(usage);
    return 0;
  }
  if (args.version) {
    std::cout << "holdgate " << holdgate::version << '\n';
    return 0;
  }
  if (args.command == "storage") {
    return stores::run_storage_copy(args.copy_from, args.copy_to, std::cout, std::cerr);
  }
  if (!args.config_given && !std::filesystem::exists(args.config)) {
    std::cerr << "holdgate: there is no configuration at " << args.config
              << " (the default); give one with --config FILE\n";
    return 1;
  }
  if (args.command == "doctor") {
    args.doctor.config = args.config;
    return doctor::run_doctor(args.doctor, std::cout);
  }
  // Under the journal a line's "<N>" prefix is its priority and the journal stamps the time.
  LogStyle log_style{args.log_format, systemd::stderr_is_journal()};
  auto config = load(args.config, error_prefix(log_style));
  if (!config) return 1;
  if (args.command == "check-config") return doctor::run_check_config(args.config, *config, std::cout, std::cerr);
  if (args.command == "show-keys") return show_keys(*config, args.host, args.upstream);
  if (args.command == "known-hosts") return known_hosts(*config);
  if (args.command == "audit") return audit::run_audit(*config, args.audit, std::cout, std::cerr);
  try {
    return serve(*config, args.config, log_style);
  } catch (const std::exception& e) {
    std::cerr << error_prefix(log_style) << "holdgate: " << e.what() << '\n';
    return 1;
  }
}
