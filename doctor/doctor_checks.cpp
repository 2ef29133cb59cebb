#include "doctor/doctor_checks.hpp"

#include <memory>

#include <libssh/libssh.h>

#include "doctor/file_checks.hpp"
#include "policy/match.hpp"
#include "storage/schema_status.hpp"
#include "stores/open_configured.hpp"

namespace holdgate::doctor {
namespace {

struct FreeSession {
  void operator()(ssh_session session) const noexcept {
    ssh_disconnect(session);
    ssh_free(session);
  }
};
using Session = std::unique_ptr<ssh_session_struct, FreeSession>;

struct FreeKey {
  void operator()(ssh_key key) const noexcept { ssh_key_free(key); }
};
using Key = std::unique_ptr<ssh_key_struct, FreeKey>;

std::string address_text(const config::Target& target) {
  return target.address.host + ":" + std::to_string(target.address.port);
}

// A libssh session set up as holdgate's upstream dial sets it (proxy/upstream.cpp): no
// ~/.ssh/config, holdgate's known_hosts as the only one.
Session upstream_session(const config::Config& config, const config::Target& target,
                         const std::string& login) {
  Session session(ssh_new());
  if (!session) return session;
  int off = 0;
  unsigned int port = target.address.port;
  long timeout_s = config.limits.connect_timeout.count();
  ssh_options_set(session.get(), SSH_OPTIONS_PROCESS_CONFIG, &off);
  ssh_options_set(session.get(), SSH_OPTIONS_HOST, target.address.host.c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_PORT, &port);
  if (!login.empty()) ssh_options_set(session.get(), SSH_OPTIONS_USER, login.c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_KNOWNHOSTS, config.upstream.known_hosts.c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_GLOBAL_KNOWNHOSTS, config.upstream.known_hosts.c_str());
  ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT, &timeout_s);
  return session;
}

std::string keyscan_fix(const config::Config& config, const config::Target& target) {
  return "check the target's host key fingerprint, then add it: ssh-keyscan -p " +
         std::to_string(target.address.port) + " " + target.address.host + " >> " +
         config.upstream.known_hosts.string();
}

// The login --connect authenticates as: the first a role names for this target ("*" names
// none), else root.
std::string probe_login(const config::Config& config, const config::Target& target) {
  for (const auto& role : config.roles) {
    for (const auto& rule : role.allow) {
      if (!policy::selector_matches(rule.targets, target.labels)) continue;
      for (const auto& login : rule.logins) {
        if (login != "*") return login;
      }
    }
  }
  return "root";
}

}  // namespace

std::vector<Check> known_hosts_checks(const config::Config& config) {
  std::vector<Check> checks;
  const bool file_exists = path_exists(config.upstream.known_hosts);
  for (const auto& target : config.targets) {
    const std::string what = "target " + target.name + " (" + address_text(target) +
                             ") in known_hosts " + config.upstream.known_hosts.string();
    if (!file_exists) {
      checks.push_back(Check::failed(what, config.upstream.known_hosts.string() + " does not exist",
                                     keyscan_fix(config, target)));
      continue;
    }
    auto session = upstream_session(config, target, {});
    auto found = session ? ssh_session_has_known_hosts_entry(session.get()) : SSH_KNOWN_HOSTS_ERROR;
    if (found == SSH_KNOWN_HOSTS_OK) {
      checks.push_back(Check::passed(what));
    } else if (found == SSH_KNOWN_HOSTS_ERROR) {
      checks.push_back(Check::failed(what, "cannot read " + config.upstream.known_hosts.string(),
                                     "make it readable by holdgate's user"));
    } else {
      checks.push_back(Check::failed(what, "no host key for " + address_text(target),
                                     keyscan_fix(config, target)));
    }
  }
  return checks;
}

Check recording_dir_check(const config::Config& config) {
  const auto& dir = config.recording.dir;
  const std::string what = "recording dir " + dir.string();
  const std::string fix = "create it writable by holdgate's user, mode 0700";
  if (!path_exists(dir)) {
    if (auto problem = creation_problem(dir)) return Check::failed(what, *problem, fix);
    return Check::passed(what, "created when serve starts");
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Check::failed(what, dir.string() + " is not a directory", fix);
  if (auto problem = write_problem(dir)) return Check::failed(what, *problem, fix);
  return Check::passed(what);
}

std::vector<Check> database_reachable_checks(const config::Config& config) {
  if (!stores::uses_postgres(config.storage)) return {};
  auto dsn = stores::configured_dsn(config.storage);
  if (std::holds_alternative<storage::StoreError>(dsn)) return {};  // a start-up check says why
  const std::string what = "PostgreSQL database";
  auto status = storage::postgres_schema_status(std::get<std::string>(dsn));
  if (auto* e = std::get_if<storage::StoreError>(&status)) {
    return {Check::failed(what, e->message,
                          "check the DSN, that the server runs and accepts holdgate's user, and its version")};
  }
  return {Check::passed(what, std::get<std::string>(status))};
}

std::vector<Check> connect_checks(const config::Config& config) {
  std::vector<Check> checks;
  if (config.targets.empty()) return checks;
  ssh_key raw = nullptr;
  bool have_identity = path_exists(config.upstream.identity) &&
                       ssh_pki_import_privkey_file(config.upstream.identity.c_str(), nullptr, nullptr,
                                                   nullptr, &raw) == SSH_OK;
  Key identity(raw);
  for (const auto& target : config.targets) {
    const std::string login = probe_login(config, target);
    const std::string what = "target " + target.name + " (" + address_text(target) +
                             ") accepts holdgate's key as " + login;
    auto session = upstream_session(config, target, login);
    if (!session) {
      checks.push_back(Check::failed(what, "out of memory", "try again"));
      continue;
    }
    if (ssh_connect(session.get()) != SSH_OK) {
      checks.push_back(Check::failed(what, "cannot connect: " + std::string(ssh_get_error(session.get())),
                                     "check that the target runs sshd at that address and the firewall lets holdgate through"));
      continue;
    }
    if (ssh_session_is_known_server(session.get()) != SSH_KNOWN_HOSTS_OK) {
      checks.push_back(Check::failed(what, "its host key is not the one in " + config.upstream.known_hosts.string(),
                                     keyscan_fix(config, target)));
      continue;
    }
    if (!have_identity) {
      checks.push_back(Check::failed(what, "holdgate has no upstream identity at " + config.upstream.identity.string() + " yet",
                                     "run holdgate show-keys --upstream and authorize the key on the target"));
      continue;
    }
    if (ssh_userauth_publickey(session.get(), nullptr, identity.get()) != SSH_AUTH_SUCCESS) {
      checks.push_back(Check::failed(what, target.name + " refused holdgate's key for " + login,
                                     "add the line from 'holdgate show-keys --upstream' to ~" + login +
                                         "/.ssh/authorized_keys there"));
      continue;
    }
    checks.push_back(Check::passed(what));
  }
  return checks;
}

}  // namespace holdgate::doctor
