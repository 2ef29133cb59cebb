#include <algorithm>

#include "config/host_port.hpp"
#include "config/names.hpp"
#include "config/sections.hpp"

namespace holdgate::config::detail {
namespace {

// Logins arrive as the part before the last '@' of the SSH user name, which holds printable
// ASCII only, so nothing else could ever match.
bool is_valid_login(const std::string& login) {
  return std::all_of(login.begin(), login.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::vector<std::string> read_label_values(const Entry& e) {
  if (!e.node.IsSequence()) {
    if (auto value = read_string(e)) return {*value};
    return {};
  }
  auto values = read_strings(e);
  if (values.empty() && e.node.size() == 0) e.error("must list at least one value");
  return values;
}

LabelSelector read_selector(const Entry& e) {
  LabelSelector selector;
  if (e.node.IsScalar() && e.node.Scalar() == "*") {
    selector.any_target = true;
    return selector;
  }
  if (!e.node.IsMap()) {
    e.error("expected \"*\" or a mapping of labels, found " + describe(e.node));
    return selector;
  }
  // `{}` would match nothing (or, read loosely, everything); either way it is a mistake.
  if (e.node.size() == 0) {
    e.error("an empty selector matches no target; use \"*\" for every target");
    return selector;
  }
  for (const auto& entry : read_map(e)) {
    selector.labels[entry.key] = read_label_values(entry.value);
  }
  return selector;
}

// `forwarding: {local: true | [host:port, ...], remote: bool, agent: bool}` (issue 18).
Forwarding read_forwarding(const Entry& e) {
  Forwarding forwarding;
  Fields fields(e, {"local", "remote", "agent"});
  if (auto f = fields.get("local")) {
    if (f->node.IsScalar() && !f->node.IsSequence()) {
      // `local: true` reaches anything the target can; `local: false` nothing.
      if (read_bool(*f).value_or(false)) forwarding.local.push_back({"*", std::nullopt});
    } else {
      for (const auto& item : read_list(*f)) {
        auto text = read_string(item);
        if (!text) continue;
        std::string error;
        if (auto pattern = parse_host_port_pattern(*text, error)) {
          forwarding.local.push_back(std::move(*pattern));
        } else {
          item.error("'" + *text + "' " + error);
        }
      }
    }
  }
  if (auto f = fields.get("remote")) forwarding.remote = read_bool(*f).value_or(false);
  if (auto f = fields.get("agent")) forwarding.agent = read_bool(*f).value_or(false);
  return forwarding;
}

AllowRule read_allow_rule(const Entry& e) {
  AllowRule rule;
  Fields fields(e, {"logins", "targets", "forwarding"});
  if (auto f = fields.require("logins")) {
    for (const auto& item : read_list(*f)) {
      auto login = read_string(item);
      if (!login) continue;
      if (!is_valid_login(*login)) {
        item.error("'" + *login + "' is not a valid login (no spaces or control characters)");
      }
      rule.logins.push_back(*login);
    }
    if (f->node.IsSequence() && f->node.size() == 0) {
      f->error("must list at least one login (\"*\" allows any)");
    }
  }
  if (auto f = fields.require("targets")) rule.targets = read_selector(*f);
  if (auto f = fields.get("forwarding")) rule.forwarding = read_forwarding(*f);
  return rule;
}

// Roles a request or review policy refers to; an empty list would make the policy do nothing.
std::vector<std::string> read_policy_roles(const Fields& fields, std::vector<RoleRef>& refs) {
  auto f = fields.require("roles");
  if (!f) return {};
  auto roles = read_role_names(*f, refs);
  if (f->node.IsNull() || (f->node.IsSequence() && f->node.size() == 0)) {
    f->error("must list at least one role");
  }
  return roles;
}

RequestPolicy read_request(const Entry& e, std::vector<RoleRef>& refs) {
  RequestPolicy request;
  Fields fields(e, {"roles", "reviewers", "approve", "deny", "ttl", "reason", "scope", "hooks",
                    "break_glass", "break_glass_duration", "ratify_within"});
  request.roles = read_policy_roles(fields, refs);
  // Suggestions only, and possibly people outside this file, so the names are not checked.
  if (auto f = fields.get("reviewers")) request.reviewers = read_strings(*f);
  if (auto f = fields.get("approve")) request.approve = read_int(*f, 1).value_or(request.approve);
  if (auto f = fields.get("deny")) request.deny = read_int(*f, 1).value_or(request.deny);
  if (auto f = fields.get("ttl")) request.ttl = read_duration(*f, false).value_or(request.ttl);
  if (auto f = fields.get("reason")) {
    auto reason = read_string(*f);
    if (reason == "required") {
      request.reason = RequestPolicy::Reason::required;
    } else if (reason == "optional") {
      request.reason = RequestPolicy::Reason::optional;
    } else if (reason) {
      f->error("must be 'required' or 'optional', not '" + *reason + "'");
    }
  }
  if (auto f = fields.get("scope")) {
    auto scope = read_string(*f);
    if (scope == "role") {
      request.scope = RequestPolicy::Scope::role;
    } else if (scope == "resource") {
      request.scope = RequestPolicy::Scope::resource;
    } else if (scope) {
      f->error("must be 'role' or 'resource', not '" + *scope + "'");
    }
  }
  if (auto f = fields.get("hooks")) {
    auto hooks = read_string(*f);
    if (hooks == "required") {
      request.hooks = RequestPolicy::Hooks::required;
    } else if (hooks == "beside") {
      request.hooks = RequestPolicy::Hooks::beside;
    } else if (hooks) {
      f->error("must be 'required' or 'beside', not '" + *hooks + "'");
    }
  }
  if (auto f = fields.get("break_glass")) request.break_glass = read_bool(*f).value_or(false);
  if (auto f = fields.get("break_glass_duration")) {
    request.break_glass_duration =
        read_duration(*f, false).value_or(request.break_glass_duration);
  }
  if (auto f = fields.get("ratify_within")) {
    request.ratify_within = read_duration(*f, false).value_or(request.ratify_within);
  }
  return request;
}

Role::GrantTerms read_grant(const Entry& e) {
  Role::GrantTerms terms;
  Fields fields(e, {"until", "uses"});
  if (auto f = fields.get("until")) {
    auto until = read_string(*f);
    if (until == "session-end") {
      terms.until_session_end = true;
    } else if (until) {
      f->error("must be 'session-end', not '" + *until + "'");
    }
  }
  if (auto f = fields.get("uses")) terms.uses = read_int(*f, 1).value_or(terms.uses);
  return terms;
}

ReviewPolicy read_review(const Entry& e, std::vector<RoleRef>& refs) {
  Fields fields(e, {"roles"});
  return ReviewPolicy{read_policy_roles(fields, refs)};
}

}  // namespace

std::vector<std::string> read_role_names(const Entry& list, std::vector<RoleRef>& refs) {
  std::vector<std::string> names;
  for (const auto& item : read_list(list)) {
    auto name = read_string(item);
    if (!name) continue;
    refs.push_back({list.ctx, item.mark, *name});
    names.push_back(*name);
  }
  return names;
}

std::vector<Role> read_roles(const Entry& e, std::vector<RoleRef>& refs, RecordingSettings& recording) {
  std::vector<Role> roles;
  NameSet names(NameKind::role);
  for (const auto& item : read_list(e)) {
    Fields fields(item, {"name", "allow", "request", "review", "max_duration", "audit",
                          "admin", "grant", "recording", "record_required", "forwarding"});
    Role role;
    role.name = names.read(fields).value_or("");
    if (auto f = fields.get("allow")) {
      for (const auto& rule : read_list(*f)) role.allow.push_back(read_allow_rule(rule));
    }
    if (auto f = fields.get("request")) role.request = read_request(*f, refs);
    if (auto f = fields.get("review")) role.review = read_review(*f, refs);
    if (auto f = fields.get("max_duration")) {
      role.max_duration = read_duration(*f, false).value_or(role.max_duration);
    }
    if (auto f = fields.get("audit")) role.audit = read_bool(*f).value_or(false);
    if (auto f = fields.get("admin")) role.admin = read_bool(*f).value_or(false);
    if (auto f = fields.get("grant")) role.grant = read_grant(*f);
    if (auto f = fields.get("forwarding")) role.forwarding = read_forwarding(*f);
    if (auto f = fields.get("recording")) {
      if (auto mode = read_recording_mode(*f)) recording.role_modes[role.name] = *mode;
    }
    if (auto f = fields.get("record_required"); f && read_bool(*f).value_or(false)) {
      recording.required_roles.push_back(role.name);
    }
    roles.push_back(std::move(role));
  }
  return roles;
}

}  // namespace holdgate::config::detail
