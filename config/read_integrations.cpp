// `notify:` and `approvals:`: webhooks and approval hooks. Same reader conventions as the other
// sections: every problem reported at its FILE:LINE:COL, unknown keys refused.
#include <algorithm>

#include "config/names.hpp"
#include "config/sections.hpp"
#include "config/url.hpp"

namespace holdgate::config::detail {
namespace {

WebhookEvents read_webhook_events(const Entry& e) {
  WebhookEvents events{false, false, false, false};
  const auto list = read_list(e);  // reports a value that is not a list
  if (list.empty()) {
    // An empty list would silence the webhook; leaving the key out is how to mean "all".
    if (e.node.IsNull() || e.node.IsSequence()) {
      e.error("must name at least one event (leave it out for all)");
    }
    return {};
  }
  for (const auto& item : list) {
    auto name = read_string(item);
    if (!name) continue;
    if (*name == "request.created") events.created = true;
    else if (*name == "request.reviewed") events.reviewed = true;
    else if (*name == "request.resolved") events.resolved = true;
    else if (*name == "audit.checkpoint") events.checkpoint = true;
    else {
      auto suggestion = closest(*name, {"request.created", "request.reviewed", "request.resolved",
                                        "audit.checkpoint"});
      item.error("unknown event '" + *name + "'" +
                 (suggestion.empty() ? " (expected request.created, request.reviewed, "
                                       "request.resolved or audit.checkpoint)"
                                     : " (did you mean '" + suggestion + "'?)"));
    }
  }
  return events;
}

Webhook read_webhook(const Entry& item) {
  Webhook webhook;
  Fields fields(item, {"url", "format", "events", "ca_file", "retry_delays"});
  if (auto f = fields.require("url")) {
    if (auto text = read_string(*f)) {
      auto parsed = parse_http_url(*text);
      // The URL may hold a secret (Slack's do), so the message does not repeat it.
      if (!parsed.problem.empty()) f->error("invalid webhook URL: " + parsed.problem);
      webhook.url = *text;
      webhook.endpoint = parsed.url;
    }
  }
  if (auto f = fields.get("format")) {
    if (auto text = read_string(*f)) {
      if (*text == "json") webhook.format = Webhook::Format::json;
      else if (*text == "slack") webhook.format = Webhook::Format::slack;
      else f->error("unknown format '" + *text + "' (expected slack or json)");
    }
  }
  if (auto f = fields.get("events")) webhook.events = read_webhook_events(*f);
  if (auto f = fields.get("ca_file")) {
    if (auto path = read_path(*f)) {
      if (!webhook.endpoint.https && !webhook.url.empty()) {
        f->error("ca_file only applies to https:// URLs");
      }
      webhook.ca_file = *path;
    }
  }
  if (auto f = fields.get("retry_delays")) {
    webhook.retry_delays.clear();
    for (const auto& delay : read_list(*f)) {
      if (auto d = read_duration(delay, false)) webhook.retry_delays.push_back(*d);
    }
  }
  return webhook;
}

ApprovalHook read_hook(const Entry& item, NameSet& names) {
  ApprovalHook hook;
  Fields fields(item, {"name", "exec", "timeout"});
  // Hook names share the rules for role names: they appear as "hook:NAME" in reviews and logs.
  hook.name = names.read(fields).value_or("");
  if (auto f = fields.require("exec")) hook.exec = read_path(*f).value_or("");
  if (auto f = fields.get("timeout")) hook.timeout = read_duration(*f, false).value_or(hook.timeout);
  return hook;
}

}  // namespace

Notify read_notify(const Entry& e) {
  Notify notify;
  Fields fields(e, {"webhooks"});
  if (auto f = fields.get("webhooks")) {
    for (const auto& item : read_list(*f)) notify.webhooks.push_back(read_webhook(item));
  }
  return notify;
}

ApprovalSettings read_approvals(const Entry& e) {
  ApprovalSettings settings;
  Fields fields(e, {"hooks"});
  if (auto f = fields.get("hooks")) {
    NameSet names(NameKind::hook);
    for (const auto& item : read_list(*f)) settings.hooks.push_back(read_hook(item, names));
  }
  return settings;
}

}  // namespace holdgate::config::detail
