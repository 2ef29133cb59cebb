#include "doctor/doctor_command.hpp"

#include <ostream>

#include "config/load.hpp"
#include "doctor/doctor_checks.hpp"
#include "doctor/startup_checks.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::doctor {
namespace {

// The checks doctor makes for a config that loaded, in order: serve's start-up ones first.
std::vector<Check> all_checks(const config::Config& config, bool connect) {
  auto checks = startup_checks(config);
  auto add = [&](std::vector<Check> more) {
    for (auto& check : more) checks.push_back(std::move(check));
  };
  add(database_reachable_checks(config));
  add(known_hosts_checks(config));
  checks.push_back(recording_dir_check(config));
  if (connect) add(connect_checks(config));
  return checks;
}

}  // namespace

int run_doctor(const DoctorOptions& options, std::ostream& out) {
  std::vector<Check> checks;
  const std::string what = "config " + options.config.string();
  auto loaded = config::load_config(options.config);
  if (!loaded.config) {
    for (const auto& error : loaded.errors) {
      checks.push_back(Check::failed(what, error.to_string(), "correct the file (holdgate check-config names every problem)"));
    }
    if (checks.empty()) checks.push_back(Check::failed(what, "cannot load it", "correct the file"));
  } else {
    checks.push_back(Check::passed(what));
    for (auto& check : all_checks(*loaded.config, options.connect)) checks.push_back(std::move(check));
  }
  bool ok = true;
  for (const auto& check : checks) {
    out << (options.json ? json_line(check) : text_line(check)) << '\n';
    ok = ok && check.ok();
  }
  out.flush();
  return ok ? 0 : 1;
}

int run_check_config(const std::filesystem::path& file, const config::Config& config,
                     std::ostream& out, std::ostream& err) {
  bool ok = true;
  for (const auto& check : startup_checks(config)) {
    if (check.ok()) continue;
    err << "holdgate: " << problem_and_fix(check) << '\n';
    ok = false;
  }
  if (!ok) return 1;
  out << policy::sanitize(file.string()) << ": ok\n";
  return 0;
}

}  // namespace holdgate::doctor
