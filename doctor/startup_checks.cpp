#include "doctor/startup_checks.hpp"

#include <arpa/inet.h>

#include <functional>

#include <libssh/libssh.h>

#include "audit/signing_key.hpp"
#include "doctor/file_checks.hpp"
#include "integrations/hook_runner.hpp"
#include "proxy/key_directory.hpp"
#include "proxy/keys.hpp"
#include "integrations/tls.hpp"
#include "web/http_server.hpp"
#include "storage/schema_status.hpp"
#include "stores/open_configured.hpp"

namespace holdgate::doctor {
namespace {

using config::Config;
using std::filesystem::path;

Check listen_address(const Config& config) {
  const std::string what = "listen address " + config.listen.host;
  unsigned char buffer[16];
  if (::inet_pton(AF_INET, config.listen.host.c_str(), buffer) == 1 ||
      ::inet_pton(AF_INET6, config.listen.host.c_str(), buffer) == 1) {
    return Check::passed(what);
  }
  return Check::failed(what, "listen address '" + config.listen.host + "' is not an IP address",
                       "write an IPv4 or IPv6 address under listen.host (0.0.0.0 for all)");
}

Check state_dir(const Config& config) {
  const path& dir = config.state_dir;
  const std::string what = "state_dir " + dir.string();
  const std::string fix = "create it owned by holdgate's user, mode 0700 (install -d -m 700 " +
                          dir.string() + ")";
  if (!path_exists(dir)) {
    if (auto problem = creation_problem(dir)) return Check::failed(what, *problem, fix);
    return Check::passed(what, "created 0700 when serve starts");
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Check::failed(what, "state_dir " + dir.string() + " is not a directory", fix);
  }
  auto state = proxy::ensure_state_dir(dir);  // an existing directory: only looked at
  if (auto* e = std::get_if<proxy::KeyError>(&state)) return Check::failed(what, e->message, "chmod 700 " + dir.string());
  if (auto problem = write_problem(dir)) {
    return Check::failed(what, "state_dir " + *problem, "chown it to holdgate's user (or run as the owner)");
  }
  return Check::passed(what);
}

Check database(const Config& config) {
  if (stores::uses_postgres(config.storage)) {
    // The DSN file's rules; whether the server answers is doctor's network check.
    const std::string what = "storage.postgres_file " + config.storage.postgres_file.string();
    if (config.storage.postgres_file.empty()) return Check::passed("storage.postgres DSN");
    auto dsn = stores::configured_dsn(config.storage);
    if (auto* e = std::get_if<storage::StoreError>(&dsn)) {
      return Check::failed(what, e->message, "make it a readable file holding the DSN, mode 0600 or 0640");
    }
    return Check::passed(what);
  }
  auto file = stores::sqlite_path(config);
  const std::string what = "database " + file.string();
  if (!path_exists(file)) {
    if (auto problem = creation_problem(file)) return Check::failed(what, *problem, "make state_dir writable");
  }
  auto status = storage::sqlite_schema_status(file.string());
  if (auto* e = std::get_if<storage::StoreError>(&status)) {
    return Check::failed(what, e->message,
                         "run the holdgate that wrote it, or restore a backup made by this version");
  }
  return Check::passed(what, std::get<std::string>(status));
}

std::vector<Check> hooks(const Config& config) {
  std::vector<Check> checks;
  for (const auto& hook : config.approvals.hooks) {
    const std::string what = "approval hook " + hook.name + " " + hook.exec.string();
    if (auto problem = integrations::HookRunner::check(hook)) {
      checks.push_back(Check::failed(what, *problem, "install it as an executable file (chmod 755 " +
                                                         hook.exec.string() + ")"));
    } else {
      checks.push_back(Check::passed(what));
    }
  }
  return checks;
}

std::vector<Check> webhooks(const Config& config) {
  std::vector<Check> checks;
  for (std::size_t i = 0; i < config.notify.webhooks.size(); ++i) {
    const auto& webhook = config.notify.webhooks[i];
    if (!webhook.endpoint.https) continue;
    const std::string name = "notify.webhooks[" + std::to_string(i) + "]";
    const std::string what = name + " ca_file " +
                             (webhook.ca_file.empty() ? "(system trust store)" : webhook.ca_file.string());
    auto tls = integrations::make_tls_client_context(webhook.ca_file);
    if (auto* error = std::get_if<std::string>(&tls)) {
      checks.push_back(Check::failed(what, name + ": " + *error,
                                     "point ca_file at a readable PEM file of the CA certificates"));
    } else {
      checks.push_back(Check::passed(what));
    }
  }
  return checks;
}

std::vector<Check> keys_command(const Config& config) {
  if (config.keys_command.argv.empty()) return {};
  const std::string what = "keys_command " + config.keys_command.argv[0];
  if (auto problem = proxy::KeyDirectory::check(config)) {
    return {Check::failed(what, *problem, "install it as an executable file, or remove keys_command")};
  }
  return {Check::passed(what)};
}

// A key serve loads, or generates when it is missing.
Check generated_key(const std::string& what, const path& file,
                    const std::function<std::optional<std::string>()>& load) {
  if (!path_exists(file)) {
    if (auto problem = creation_problem(file)) {
      return Check::failed(what, *problem, "make its directory writable, or generate the key there");
    }
    return Check::passed(what, "generated when serve starts");
  }
  if (auto problem = private_mode_problem(file)) return Check::failed(what, *problem, "chmod 600 " + file.string());
  if (auto problem = load()) {
    return Check::failed(what, *problem, "replace it with an unencrypted private key, or remove it to have one generated");
  }
  return Check::passed(what);
}

Check ssh_key_file(const std::string& kind, const path& file) {
  return generated_key(kind + " " + file.string(), file, [&]() -> std::optional<std::string> {
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(file.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
      return "cannot load private key " + file.string();
    }
    ssh_key_free(raw);
    return std::nullopt;
  });
}

Check checkpoint_key(const Config& config) {
  auto file = audit::signing_key_path(config.state_dir);
  return generated_key("audit checkpoint key " + file.string(), file, [&]() -> std::optional<std::string> {
    auto key = audit::SigningKey::load(file);
    if (auto* e = std::get_if<std::string>(&key)) return *e;
    return std::nullopt;
  });
}

// `web.tls`: the key private (0600, like every key holdgate holds), both files loadable and a
// pair, with the very loader serve uses.
std::vector<Check> web_tls(const Config& config) {
  if (!config.web.listen || !config.web.tls()) return {};
  const std::string what = "web TLS " + config.web.tls_cert.string() + " and " + config.web.tls_key.string();
  if (auto problem = private_mode_problem(config.web.tls_key)) {
    return {Check::failed(what, *problem, "chmod 600 " + config.web.tls_key.string())};
  }
  auto loaded = web::load_tls_server_context(config.web);
  if (auto* problem = std::get_if<std::string>(&loaded)) {
    return {Check::failed(what, *problem, "install a PEM certificate chain and its unencrypted PEM key")};
  }
  return {Check::passed(what)};
}

}  // namespace

std::vector<Check> startup_checks(const Config& config) {
  std::vector<Check> checks;
  checks.push_back(listen_address(config));
  checks.push_back(state_dir(config));
  checks.push_back(database(config));
  for (auto& check : hooks(config)) checks.push_back(std::move(check));
  for (auto& check : webhooks(config)) checks.push_back(std::move(check));
  for (auto& check : keys_command(config)) checks.push_back(std::move(check));
  for (auto& check : web_tls(config)) checks.push_back(std::move(check));
  checks.push_back(checkpoint_key(config));
  checks.push_back(ssh_key_file("upstream identity", config.upstream.identity));
  for (const auto& file : proxy::host_key_paths(config)) checks.push_back(ssh_key_file("host key", file));
  return checks;
}

}  // namespace holdgate::doctor
