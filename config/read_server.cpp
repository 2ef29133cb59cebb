#include "config/sections.hpp"

namespace holdgate::config::detail {
namespace {

// A single path is accepted too: one host key is the common case.
std::vector<std::filesystem::path> read_host_keys(const Entry& e) {
  std::vector<std::filesystem::path> paths;
  if (e.node.IsScalar()) {
    if (auto path = read_path(e)) paths.push_back(*path);
    return paths;
  }
  for (const auto& item : read_list(e)) {
    if (auto path = read_path(item)) paths.push_back(*path);
  }
  return paths;
}

Upstream read_upstream(const Entry& e) {
  Upstream upstream;
  Fields fields(e, {"identity", "known_hosts"});
  if (auto f = fields.get("identity")) upstream.identity = read_path(*f).value_or("");
  if (auto f = fields.get("known_hosts")) upstream.known_hosts = read_path(*f).value_or("");
  return upstream;
}

}  // namespace

void read_server(const Fields& top, Config& config) {
  if (auto f = top.get("listen")) {
    if (auto address = read_address(*f, config.listen.port)) config.listen = *address;
  }
  if (auto f = top.require("state_dir")) config.state_dir = read_path(*f).value_or("");
  if (auto f = top.get("host_keys")) config.host_keys = read_host_keys(*f);
  if (auto f = top.get("upstream")) config.upstream = read_upstream(*f);

  // The defaults live under state_dir, so they can only be filled in once it is known.
  if (!config.state_dir.empty()) {
    if (config.upstream.identity.empty()) {
      config.upstream.identity = config.state_dir / "upstream_ed25519";
    }
    if (config.upstream.known_hosts.empty()) {
      config.upstream.known_hosts = config.state_dir / "known_hosts";
    }
  }
}

Limits read_limits(const Entry& e) {
  Limits limits;
  Fields fields(e, {"login_grace", "max_auth_tries", "max_startups", "connect_timeout",
                    "shutdown_grace", "keepalive_interval",
                    "max_sessions"});
  auto duration = [&](std::string_view key, Duration& out, bool allow_zero) {
    if (auto f = fields.get(key)) out = read_duration(*f, allow_zero).value_or(out);
  };
  auto count = [&](std::string_view key, int& out) {
    if (auto f = fields.get(key)) out = read_int(*f, 1).value_or(out);
  };
  duration("login_grace", limits.login_grace, false);
  count("max_auth_tries", limits.max_auth_tries);
  count("max_startups", limits.max_startups);
  duration("connect_timeout", limits.connect_timeout, false);
  duration("shutdown_grace", limits.shutdown_grace, false);
  duration("keepalive_interval", limits.keepalive_interval, true);  // 0s turns keepalives off
  count("max_sessions", limits.max_sessions);
  return limits;
}

}  // namespace holdgate::config::detail
