#include "config/load.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "config/reader.hpp"
#include "config/sections.hpp"

namespace holdgate::config {
namespace {

using detail::Entry;
using detail::Fields;

void check_role_refs(const std::vector<detail::RoleRef>& refs, const std::vector<Role>& roles) {
  std::vector<std::string> known;
  for (const auto& role : roles) known.push_back(role.name);
  for (const auto& ref : refs) {
    if (std::find(known.begin(), known.end(), ref.name) != known.end()) continue;
    auto suggestion = detail::closest(ref.name, known);
    ref.ctx.error(ref.mark,
                  "unknown role '" + ref.name + "'" +
                      (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"));
  }
}

void read_document(const Entry& root, Config& config) {
  if (!root.node.IsMap() && !root.node.IsNull()) {
    root.error("expected a mapping of settings at the top level, found " +
               detail::describe(root.node));
    return;
  }
  Fields top(root, {"listen", "state_dir", "host_keys", "upstream", "targets", "users", "roles",
                    "limits", "notify", "approvals", "recording", "audit", "proxy_protocol",
                    "storage", "metrics", "keys_command", "web"});
  detail::read_server(top, config);
  if (auto f = top.get("limits")) config.limits = detail::read_limits(*f);
  if (auto f = top.get("proxy_protocol")) config.proxy_protocol = detail::read_proxy_protocol(*f);

  std::vector<detail::RoleRef> role_refs;
  if (auto f = top.get("recording")) config.recording = detail::read_recording(*f);
  if (auto f = top.get("targets")) config.targets = detail::read_targets(*f, config.recording);
  if (auto f = top.get("users")) config.users = detail::read_users(*f, role_refs);
  if (auto f = top.get("roles")) config.roles = detail::read_roles(*f, role_refs, config.recording);
  check_role_refs(role_refs, config.roles);
  if (auto f = top.get("notify")) config.notify = detail::read_notify(*f);
  if (auto f = top.get("approvals")) config.approvals = detail::read_approvals(*f);
  if (auto f = top.get("audit")) config.audit = detail::read_audit(*f);
  if (auto f = top.get("storage")) config.storage = detail::read_storage(*f);
  if (auto f = top.get("metrics")) config.metrics = detail::read_metrics(*f);
  if (auto f = top.get("web")) config.web = detail::read_web(*f);
  if (auto f = top.get("keys_command")) config.keys_command = detail::read_keys_command(*f);
  if (config.recording.dir.empty() && !config.state_dir.empty()) {
    config.recording.dir = config.state_dir / "recordings";
  }
}

std::string lowercase_first(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

}  // namespace

std::string ConfigError::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult parse_config(std::string_view yaml, const std::filesystem::path& file) {
  detail::ErrorSink sink(file.string());
  Config config;
  std::error_code ec;
  config.source = std::filesystem::absolute(file, ec).lexically_normal();
  if (ec) config.source = file;
  const std::filesystem::path base_dir = config.source.parent_path();

  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    read_document(Entry{detail::Context(sink, base_dir), root, root.Mark()}, config);
  } catch (const YAML::Exception& e) {
    // Syntax errors; the readers themselves check types before converting and do not throw.
    sink.add(e.mark, "invalid YAML: " + e.msg);
  }

  if (!sink.empty()) return {std::nullopt, sink.sorted()};
  return {std::move(config), {}};
}

LoadResult load_config(const std::filesystem::path& file) {
  auto fail = [&](int error) {
    return LoadResult{std::nullopt,
                      {{file.string(), 0, 0,
                        "cannot read " + file.string() + ": " +
                            lowercase_first(std::generic_category().message(error))}}};
  };

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) return fail(errno);
  std::string text;
  char buffer[8192];
  while (auto n = std::fread(buffer, 1, sizeof buffer, in.get())) text.append(buffer, n);
  // A directory opens fine and only fails here, with EISDIR.
  if (std::ferror(in.get())) return fail(errno);
  return parse_config(text, file);
}

}  // namespace holdgate::config
