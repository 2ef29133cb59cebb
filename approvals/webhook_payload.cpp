#include "approvals/webhook_payload.hpp"

#include "approvals/json.hpp"
#include "approvals/lock_rules.hpp"
#include "approvals/render.hpp"
#include "approvals/request_rules.hpp"
#include "approvals/scope_words.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {
namespace {

std::string escaped_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + slack_escape(item);
  return out;
}

std::string plural(int count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

// "*root@db-1 (via dba)*" / "*role dba (root on kind=db)*": scope_words, as everywhere else.
std::string what(const config::Config& config, const AccessRequest& request) {
  return "*" + slack_escape(scope_words(config, request)) + "*";
}

std::string quoted(const std::string& text) { return "\"" + slack_escape(text) + "\""; }

// While pending: how far it is, who can still review, and the command that approves it.
std::string still_needs(const AccessRequest& request, const Progress& progress,
                        std::string_view approvals_command) {
  std::string out = std::to_string(progress.approvals) + " of " +
                    plural(progress.approvals_needed, "approval") + " so far; ";
  out += progress.can_still_review.empty()
             ? "nobody else can review it (ask an administrator)"
             : "can review: " + escaped_list(progress.can_still_review);
  out += "\nApprove with: `" + slack_escape(approvals_command) + " request review --approve " +
         slack_escape(request.id) + "`";
  return out;
}

std::string slack_text(const config::Config& config, const RequestChange& change,
                       std::string_view approvals_command) {
  const AccessRequest& request = change.request;
  const Progress progress = approvals::progress(config, request);
  const std::string user = "*" + slack_escape(request.user) + "*";
  const std::string reason =
      request.reason.empty() ? std::string("(no reason given)") : quoted(request.reason);
  std::string out;
  if (change.event == "request.break_glass") {
    out = ":rotating_light: *BREAK-GLASS*: " + user + " took " + what(config, request) +
          " at once, without reviewers: " + reason + "\n";
    out += "It MUST BE RATIFIED by its reviewers";
    if (request.ratify_by) out += " by " + table_time(*request.ratify_by);
    out += ", or " + user + " is locked.\n";
  } else if (change.event == "request.ratified" || change.event == "request.rejected" ||
             change.event == "request.unratified") {
    out = "*BREAK-GLASS* " + user + "'s access to " + what(config, request) + " is *" +
          to_string(request.ratification) + "*";
    if (!request.resolution_reason.empty() && change.event != "request.ratified") {
      out += ": " + quoted(request.resolution_reason) + "; " + user + " is locked";
    }
    out += "\nReason for the request: " + reason + "\n";
  } else if (change.event == "request.created") {
    out = user + " requests " + what(config, request) + ": " + reason + "\n";
  } else if (change.event == "request.reviewed" && !request.reviews.empty()) {
    const auto& review = request.reviews.back();
    out = "*" + slack_escape(review.reviewer) + "* " +
          (review.decision == Decision::approve ? "approved " : "denied ") + user +
          "'s request for " + what(config, request) +
          (review.reason.empty() ? std::string() : ": " + quoted(review.reason)) + "\n";
    out += "Reason for the request: " + reason + "\n";
  } else if (change.event == "request.used" && request.uses) {
    out = user + " logged in with " + what(config, request) + ": " +
          std::to_string(request.uses_left.value_or(0)) + " of " +
          plural(*request.uses, "login") + " left\n";
  } else if (change.event == "request.ended") {
    out = user + "'s access to " + what(config, request) + " has ended: " +
          quoted(request.resolution_reason) + "\n";
  } else {
    out = user + "'s request for " + what(config, request) + " is *" + to_string(request.state) + "*";
    if (!request.resolution_reason.empty()) out += ": " + quoted(request.resolution_reason);
    // A revoked or dropped request's grant_expires is when it was taken back, said above.
    if (request.grant_expires && request.state == RequestState::approved) {
      out += "; the grant lasts until " + table_time(*request.grant_expires);
    }
    out += "\nReason for the request: " + reason + "\n";
  }
  out += "Request " + slack_escape(request.id);
  if (request.state == RequestState::pending ||
      request.ratification == storage::Ratification::awaiting) {
    out += ": " + still_needs(request, progress, approvals_command);
  }
  // The request's page (issue 17), from web.url (the operator's, never a Host header).
  if (auto url = request_url(config, request.id); !url.empty()) {
    out += "\n<" + slack_escape(url) + "|Open it on the web page>";
  }
  return out;
}

}  // namespace

std::string request_url(const config::Config& config, std::string_view id) {
  if (config.web.url.empty() || id.empty()) return {};
  std::string url = config.web.url + "/requests/";
  for (char c : id) {  // ids are holdgate's own; anything else is percent-encoded
    bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-';
    if (plain) {
      url += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      url += '%';
      url += kHex[static_cast<unsigned char>(c) >> 4];
      url += kHex[static_cast<unsigned char>(c) & 0xf];
    }
  }
  return url;
}

bool webhook_wants(const config::WebhookEvents& events, std::string_view event) {
  if (event == "request.created") return events.created;
  if (event == "request.reviewed") return events.reviewed;
  // A hook that said nothing is no news for a channel (a failed one is audited as hook.failed).
  if (event == "request.hook-answered") return false;
  // Break-glass access is told to every webhook, whatever it asked for.
  if (event == "request.break_glass") return true;
  return events.resolved;  // approved, denied, expired, cancelled, revoked, dropped, ended,
                           // used; locks
}

std::string webhook_json(const config::Config& config, const RequestChange& change) {
  std::string body = change_json(config, change);
  auto url = request_url(config, change.request.id);
  if (url.empty() || body.empty() || body.back() != '}') return body;
  body.pop_back();
  return body + ",\"url\":" + json_quote(url) + "}";
}

std::string webhook_slack(const config::Config& config, const RequestChange& change,
                          std::string_view approvals_command) {
  JsonWriter json;
  json.begin_object();
  json.key("text").value(slack_text(config, change, approvals_command));
  json.end_object();
  return json.str();
}

// ---- Locks: {"event":"lock.created","lock":{id,user,target,role,reason,created_by,created,
// expires}} (empty strings for the kinds not locked, null expires for "until removed"), or for
// Slack one line saying what is locked, by whom and why.
std::string lock_payload(config::Webhook::Format format, const RequestChange& change) {
  const storage::LockRecord& lock = *change.lock;
  JsonWriter json;
  json.begin_object();
  if (format == config::Webhook::Format::slack) {
    const char* how = change.event == "lock.removed" ? "Lock removed: " : "Lock: ";
    json.key("text").value(how + slack_escape(policy::lock_sentence(policy_lock(lock))) +
                           "\nLock " + slack_escape(lock.id));
  } else {
    json.key("event").value(change.event);
    json.key("lock").begin_object();
    json.key("id").value(lock.id);
    json.key("user").value(lock.user);
    json.key("target").value(lock.target);
    json.key("role").value(lock.role);
    json.key("reason").value(lock.reason);
    json.key("created_by").value(lock.created_by);
    json.key("created").value(rfc3339(lock.created));
    json.key("expires");
    if (lock.expires) json.value(rfc3339(*lock.expires)); else json.null();
    json.end_object();
  }
  json.end_object();
  return json.str();
}

std::string webhook_payload(const config::Config& config, config::Webhook::Format format,
                            const RequestChange& change, std::string_view approvals_command) {
  if (change.lock) return lock_payload(format, change);
  switch (format) {
    case config::Webhook::Format::slack: return webhook_slack(config, change, approvals_command);
    case config::Webhook::Format::json: break;
  }
  return webhook_json(config, change);
}

std::string slack_escape(std::string_view text) {
  std::string out;
  for (char c : policy::sanitize(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace holdgate::approvals
