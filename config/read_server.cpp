#include <algorithm>
#include <charconv>

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

// A whole number of at most 9 digits, nothing else around it.
std::optional<int> whole_number(std::string_view text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::vector<std::string_view> split_colons(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) return parts;
    start = colon + 1;
  }
}

// sshd's MaxStartups: "start:rate:full", or one number for a hard cap (start = full).
void read_max_startups(const Entry& e, Limits& limits) {
  auto text = read_string(e);
  if (!text) return;
  auto parts = split_colons(*text);
  std::vector<std::optional<int>> numbers;
  for (auto part : parts) numbers.push_back(whole_number(part));
  bool numeric = std::all_of(numbers.begin(), numbers.end(), [](auto& n) { return n.has_value(); });
  if (!numeric || (parts.size() != 1 && parts.size() != 3)) {
    e.error("'" + *text + "' is not a number or start:rate:full (e.g. 10:30:100)");
    return;
  }
  if (parts.size() == 1) numbers = {numbers[0], 100, numbers[0]};
  int start = *numbers[0], rate = *numbers[1], full = *numbers[2];
  if (start < 1 || full < 1) {
    e.error("must be at least 1, not " + *text);
  } else if (rate < 1 || rate > 100) {
    e.error("rate must be a percentage from 1 to 100, not " + std::to_string(rate));
  } else if (start > full) {
    e.error("start (" + std::to_string(start) + ") must not be above full (" +
            std::to_string(full) + ")");
  } else {
    limits.max_startups_begin = start;
    limits.max_startups_rate = rate;
    limits.max_startups = full;
  }
}

// sshd's PerSourceNetBlockSize: "32" or "32:128", the prefix lengths that make one source.
void read_net_block_size(const Entry& e, Limits& limits) {
  auto text = read_string(e);
  if (!text) return;
  auto parts = split_colons(*text);
  auto v4 = whole_number(parts[0]);
  auto v6 = parts.size() == 2 ? whole_number(parts[1]) : std::optional<int>(limits.per_source_prefix_v6);
  if (parts.size() > 2 || !v4 || !v6 || *v4 > 32 || *v6 > 128) {
    e.error("'" + *text + "' is not a prefix length, or IPv4:IPv6 prefix lengths (e.g. 24:64)");
    return;
  }
  limits.per_source_prefix_v4 = *v4;
  limits.per_source_prefix_v6 = *v6;
}

std::vector<Network> read_networks(const Entry& e) {
  std::vector<Network> networks;
  for (const auto& item : read_list(e)) {
    auto text = read_string(item);
    if (!text) continue;
    if (auto network = parse_network(*text)) {
      networks.push_back(*network);
    } else {
      item.error("'" + *text + "' is not an IP address or network (e.g. 192.0.2.0/24 or 2001:db8::/32)");
    }
  }
  return networks;
}

PenaltyLimits read_penalties(const Entry& e) {
  PenaltyLimits penalties;
  if (e.node.IsScalar()) {
    if (e.node.Scalar() != "off") e.error("expected a mapping or 'off', found " + describe(e.node));
    penalties.enabled = false;
    return penalties;
  }
  Fields fields(e, {"authfail", "noauth", "grace_exceeded", "max", "min", "max_sources",
                    "overflow", "exempt"});
  auto duration = [&](std::string_view key, Duration& out, bool allow_zero) {
    if (auto f = fields.get(key)) out = read_duration(*f, allow_zero).value_or(out);
  };
  duration("authfail", penalties.authfail, true);  // 0s: this kind is never penalised
  duration("noauth", penalties.noauth, true);
  duration("grace_exceeded", penalties.grace_exceeded, true);
  duration("max", penalties.max, false);
  duration("min", penalties.min, true);
  if (auto f = fields.get("max_sources")) penalties.max_sources = read_int(*f, 1).value_or(penalties.max_sources);
  if (auto f = fields.get("overflow")) {
    if (auto mode = read_string(*f)) {
      if (*mode == "deny-all" || *mode == "permissive") {
        penalties.deny_all_on_overflow = *mode == "deny-all";
      } else {
        f->error("expected permissive or deny-all, not '" + *mode + "'");
      }
    }
  }
  if (auto f = fields.get("exempt")) penalties.exempt = read_networks(*f);
  return penalties;
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

ProxyProtocol read_proxy_protocol(const Entry& e) {
  ProxyProtocol proxy_protocol;
  Fields fields(e, {"from"});
  if (auto f = fields.require("from")) {
    proxy_protocol.from = read_networks(*f);
    // An empty list would silently trust nobody: say so rather than guess what was meant.
    bool empty = f->node.IsNull() || (f->node.IsSequence() && f->node.size() == 0);
    if (empty) f->error("must list at least one load balancer's address or network");
  }
  return proxy_protocol;
}

Limits read_limits(const Entry& e) {
  Limits limits;
  Fields fields(e, {"login_grace", "max_auth_tries", "max_startups", "connect_timeout",
                    "shutdown_grace", "keepalive_interval", "per_source_max_startups",
                    "per_source_net_block_size", "per_source_penalties", "max_jump_startups",
                    // request spam
                    "max_pending_requests", "request_rate", "max_hook_processes",
                    "max_sessions", "max_forwards"});
  auto duration = [&](std::string_view key, Duration& out, bool allow_zero) {
    if (auto f = fields.get(key)) out = read_duration(*f, allow_zero).value_or(out);
  };
  auto count = [&](std::string_view key, int& out) {
    if (auto f = fields.get(key)) out = read_int(*f, 1).value_or(out);
  };
  duration("login_grace", limits.login_grace, false);
  count("max_auth_tries", limits.max_auth_tries);
  if (auto f = fields.get("max_startups")) read_max_startups(*f, limits);
  duration("connect_timeout", limits.connect_timeout, false);
  duration("shutdown_grace", limits.shutdown_grace, false);
  duration("keepalive_interval", limits.keepalive_interval, true);  // 0s turns keepalives off
  if (auto f = fields.get("per_source_max_startups")) {
    if (f->node.IsScalar() && f->node.Scalar() == "none") {
      limits.per_source_max_startups = 0;
    } else {
      count("per_source_max_startups", limits.per_source_max_startups);
    }
  }
  if (auto f = fields.get("per_source_net_block_size")) read_net_block_size(*f, limits);
  if (auto f = fields.get("per_source_penalties")) limits.per_source_penalties = read_penalties(*f);
  count("max_jump_startups", limits.max_jump_startups);
  // request spam
  count("max_pending_requests", limits.max_pending_requests);
  if (auto f = fields.get("request_rate")) {
    limits.request_rate = read_rate(*f).value_or(limits.request_rate);
  }
  count("max_hook_processes", limits.max_hook_processes);
  count("max_sessions", limits.max_sessions);
  count("max_forwards", limits.max_forwards);
  return limits;
}

}  // namespace holdgate::config::detail
