#include "config/reload_rules.hpp"

#include <algorithm>
#include <tuple>

namespace holdgate::config {
namespace {

bool same(const Address& a, const Address& b) { return a.host == b.host && a.port == b.port; }

bool same(const StorageConfig& a, const StorageConfig& b) {
  return a.postgres == b.postgres && a.postgres_file == b.postgres_file &&
         a.debug_latency == b.debug_latency;
}

bool same(const Upstream& a, const Upstream& b) {
  return a.identity == b.identity && a.known_hosts == b.known_hosts;
}

bool same(const AuditSettings& a, const AuditSettings& b) {
  return a.checkpoint_every == b.checkpoint_every && a.checkpoint_interval == b.checkpoint_interval;
}

bool same(const Network& a, const Network& b) {
  return a.prefix == b.prefix && a.address.v6 == b.address.v6 && a.address.bytes == b.address.bytes;
}

bool same(const PenaltyLimits& a, const PenaltyLimits& b) {
  return std::tie(a.enabled, a.authfail, a.noauth, a.grace_exceeded, a.max, a.min, a.max_sources,
                  a.deny_all_on_overflow) ==
             std::tie(b.enabled, b.authfail, b.noauth, b.grace_exceeded, b.max, b.min, b.max_sources,
                      b.deny_all_on_overflow) &&
         std::equal(a.exempt.begin(), a.exempt.end(), b.exempt.begin(), b.exempt.end(),
                    [](const Network& x, const Network& y) { return same(x, y); });
}

// The limits the server's Admissions were built with (limits::Admissions copies them at start).
bool same_startup_limits(const Limits& a, const Limits& b) {
  return std::tie(a.max_startups, a.max_startups_begin, a.max_startups_rate,
                  a.per_source_max_startups, a.per_source_prefix_v4, a.per_source_prefix_v6) ==
             std::tie(b.max_startups, b.max_startups_begin, b.max_startups_rate,
                      b.per_source_max_startups, b.per_source_prefix_v4, b.per_source_prefix_v6) &&
         same(a.per_source_penalties, b.per_source_penalties);
}

void keep_startup_limits(const Limits& running, Limits& loaded) {
  loaded.max_startups = running.max_startups;
  loaded.max_startups_begin = running.max_startups_begin;
  loaded.max_startups_rate = running.max_startups_rate;
  loaded.per_source_max_startups = running.per_source_max_startups;
  loaded.per_source_prefix_v4 = running.per_source_prefix_v4;
  loaded.per_source_prefix_v6 = running.per_source_prefix_v6;
  loaded.per_source_penalties = running.per_source_penalties;
}

}  // namespace

std::vector<std::string> keep_restart_settings(const Config& running, Config& loaded) {
  std::vector<std::string> kept;
  auto keep = [&](bool unchanged, const char* name, auto apply) {
    if (unchanged) return;
    kept.emplace_back(name);
    apply();
  };
  keep(same(running.listen, loaded.listen), "listen", [&] { loaded.listen = running.listen; });
  keep(running.state_dir == loaded.state_dir, "state_dir",
       [&] { loaded.state_dir = running.state_dir; });
  keep(same(running.storage, loaded.storage), "storage", [&] { loaded.storage = running.storage; });
  keep(running.host_keys == loaded.host_keys, "host_keys",
       [&] { loaded.host_keys = running.host_keys; });
  keep(same(running.upstream, loaded.upstream), "upstream",
       [&] { loaded.upstream = running.upstream; });
  keep(running.recording.dir == loaded.recording.dir, "recording.dir",
       [&] { loaded.recording.dir = running.recording.dir; });
  keep(same(running.audit, loaded.audit), "audit", [&] { loaded.audit = running.audit; });
  auto same_listen = [](const std::optional<Address>& a, const std::optional<Address>& b) {
    return a.has_value() == b.has_value() && (!a || same(*a, *b));
  };
  keep(same_listen(running.metrics.listen, loaded.metrics.listen), "metrics",
       [&] { loaded.metrics = running.metrics; });
  auto same_web = [&](const WebSettings& a, const WebSettings& b) {
    return same_listen(a.listen, b.listen) && a.tls_cert == b.tls_cert && a.tls_key == b.tls_key &&
           a.url == b.url && a.session_lifetime == b.session_lifetime;
  };
  keep(same_web(running.web, loaded.web), "web", [&] { loaded.web = running.web; });
  keep(same_startup_limits(running.limits, loaded.limits), "limits (start-ups and penalties)",
       [&] { keep_startup_limits(running.limits, loaded.limits); });
  return kept;
}

bool same_integrations(const Config& a, const Config& b) {
  auto same_webhook = [](const Webhook& x, const Webhook& y) {
    return x.url == y.url && x.format == y.format && x.events.created == y.events.created &&
           x.events.reviewed == y.events.reviewed && x.events.resolved == y.events.resolved &&
           x.events.checkpoint == y.events.checkpoint && x.ca_file == y.ca_file &&
           x.retry_delays == y.retry_delays;
  };
  auto same_hook = [](const ApprovalHook& x, const ApprovalHook& y) {
    return x.name == y.name && x.exec == y.exec && x.timeout == y.timeout;
  };
  const auto& wa = a.notify.webhooks;
  const auto& wb = b.notify.webhooks;
  const auto& ha = a.approvals.hooks;
  const auto& hb = b.approvals.hooks;
  return a.limits.max_hook_processes == b.limits.max_hook_processes &&
         std::equal(wa.begin(), wa.end(), wb.begin(), wb.end(), same_webhook) &&
         std::equal(ha.begin(), ha.end(), hb.begin(), hb.end(), same_hook);
}

bool still_admits(const Config& config, std::string_view person, std::string_view key_blob) {
  const User* user = config.find_user(person);
  if (user == nullptr) return false;
  auto listed = [&](const User& u) {
    return std::any_of(u.keys.begin(), u.keys.end(),
                       [&](const AuthorizedKey& key) { return key.blob == key_blob; });
  };
  if (listed(*user)) return true;
  // A key no user lists inline came from keys_command: whether it still holds is the
  // directory's to say at the next login (as sshd does), not the file's.
  return !config.keys_command.argv.empty() &&
         std::none_of(config.users.begin(), config.users.end(), listed);
}

}  // namespace holdgate::config
