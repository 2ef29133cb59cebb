// What holdgate POSTs to a webhook (config notify.webhooks) for one request change, as pure
// functions: which changes a webhook wants, and the body in its format. The proxy delivers.
#pragma once

#include <string>
#include <string_view>

#include "approvals/request_events.hpp"
#include "config/config.hpp"

namespace holdgate::approvals {

// True when `event` (request.created, request.reviewed, request.approved, ...) falls under what
// the webhook asked for; approved, denied, expired and cancelled are all "resolved".
bool webhook_wants(const config::WebhookEvents& events, std::string_view event);

// `format: json`: {"event": "request.created", ...every field of `request show --format json`}.
std::string webhook_json(const config::Config& config, const RequestChange& change);

// `format: slack`: {"text": "..."} for an incoming webhook: who wants which roles, why, on
// which login@target when inline, how far it is and who can still review, and while it is
// pending the exact command to approve it (`approvals_command` is the channel's invocation,
// e.g. "ssh -p 2222 approvals@bastion").
std::string webhook_slack(const config::Config& config, const RequestChange& change,
                          std::string_view approvals_command);

// The request's page on the reviewer web page (web.url + "/requests/ID"), empty when `web:` is
// off. Slack text ends with a link to it, JSON has it as "url".
std::string request_url(const config::Config& config, std::string_view id);

// The body for `format`.
std::string webhook_payload(const config::Config& config, config::Webhook::Format format,
                            const RequestChange& change, std::string_view approvals_command);

// Text for Slack's mrkdwn: sanitised (policy::sanitize: no control characters or escape
// sequences), then &, < and > escaped as &amp; &lt; &gt;, so a reason cannot ping @channel,
// forge a link or inject markup.
std::string slack_escape(std::string_view text);

}  // namespace holdgate::approvals
