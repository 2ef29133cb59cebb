// The reviewer pages (web/pages.hpp), put together from web/page_parts.hpp. Pure: data in, one
// escaped document out.
#include "web/pages.hpp"

#include "approvals/render.hpp"
#include "web/html.hpp"
#include "web/page_parts.hpp"

namespace holdgate::web {
namespace {

std::string card_list(const PageFrame& frame, const std::vector<RequestView>& views,
                      bool with_own_actions, std::string_view when_empty) {
  if (views.empty()) return "<p class=\"empty\">" + escape_html(when_empty) + "</p>";
  std::string html = "<ul class=\"cards\">";
  for (const auto& view : views) html += request_card(frame, view, with_own_actions);
  return html + "</ul>";
}

// One fact of a request: <dt>label</dt><dd>html</dd>. `html` is already escaped.
std::string fact(std::string_view label, std::string_view html) {
  return "<dt>" + std::string(label) + "</dt><dd>" + std::string(html) + "</dd>";
}

std::string breakglass_alarm(const storage::AccessRequest& r) {
  std::string html = "<p class=\"alarm\"><strong>BREAK-GLASS.</strong> " + escape_html(r.user) +
                     " took this access at once, without reviewers.";
  if (r.ratification == storage::Ratification::awaiting) {
    html += " Its reviewers must ratify it";
    if (r.ratify_by) html += " by " + time_tag(*r.ratify_by);
    html += ", or " + escape_html(r.user) + " is locked.";
  } else {
    std::string state = storage::to_string(r.ratification);
    for (std::size_t i = 1; i < state.size(); ++i)
      state[i] = static_cast<char>(state[i] >= 'A' && state[i] <= 'Z' ? state[i] - 'A' + 'a' : state[i]);
    html += " Ratification: " + escape_html(state) + ".";
  }
  return html + "</p>";
}

// What a reviewer needs before deciding: the votes, who else can still decide, the deadline.
std::string key_facts(const PageFrame& frame, const RequestView& view) {
  const auto& r = view.request;
  std::string html = "<dl class=\"facts key\">";
  html += fact("Votes", progress_words(view.progress));
  if (r.awaits_review()) {
    html += fact("Can still approve",
                 name_list(view.progress.can_still_review, "nobody (ask an administrator)"));
  }
  if (r.state == storage::RequestState::pending)
    html += fact("Expires", time_until(frame.now, r.expires) + " · " + time_tag(r.expires));
  if (r.grant_expires) {
    html += fact("Access ends",
                 time_until(frame.now, *r.grant_expires) + " · " + time_tag(*r.grant_expires));
  }
  return html + "</dl>";
}

// The rest, below the forms.
std::string detail_facts(const PageFrame& frame, const RequestView& view) {
  const auto& r = view.request;
  std::string html = "<dl class=\"facts\">";
  html += fact("Asked", time_ago(frame.now, r.created) + " · " + time_tag(r.created));
  if (r.resolved) html += fact("Resolved", time_tag(*r.resolved));
  if (!r.resolution_reason.empty()) html += fact("Resolution", escape_html(r.resolution_reason));
  html += fact("Roles", name_list(r.roles, "none"));
  if (!r.source.empty()) html += fact("From", escape_html(r.source));
  if (r.max_duration) html += fact("At most", approvals::format_duration(*r.max_duration));
  if (r.until_session_end) html += fact("Grant ends", "with the first session that uses it");
  if (r.uses) {
    html += fact("Uses", std::to_string(r.uses_left.value_or(0)) + " of " + std::to_string(*r.uses) +
                             " logins left");
  }
  if (!r.suggested_reviewers.empty()) html += fact("Suggested", name_list(r.suggested_reviewers, ""));
  html += fact("Request", "<code>" + escape_html(r.id) + "</code>");
  return html + "</dl>";
}

std::string review_item(const storage::Review& review) {
  const bool approve = review.decision == storage::Decision::approve;
  std::string html = std::string("<li class=\"") + (approve ? "approved" : "denied") + "\">" +
                     "<span class=\"mark\">" + (approve ? "✔" : "✘") + "</span> <strong>" +
                     escape_html(review.reviewer) + "</strong> " + (approve ? "approved" : "denied") +
                     " " + time_tag(review.at);
  if (!review.reason.empty()) html += "<p class=\"reason\">" + escape_html(review.reason) + "</p>";
  return html + "</li>";
}

// One audit event; `with_subject`: show its subject, linked to the request when it is an id.
std::string event_item(const storage::AuditEvent& event, bool with_subject) {
  std::string html = "<li>" + time_tag(event.at) + " <span class=\"kind\">" +
                     escape_html(event.kind) + "</span> <span class=\"actor\">" +
                     escape_html(event.actor) + "</span>";
  if (!event.source.empty()) html += " <span class=\"source\">" + escape_html(event.source) + "</span>";
  if (with_subject && !event.subject.empty()) {
    html += " <span class=\"subject\">";
    html += is_uuid(event.subject) ? "<a href=\"" + escape_html(request_path(event.subject)) + "\">" +
                                         escape_html(event.subject) + "</a>"
                                   : escape_html(event.subject);
    html += "</span>";
  }
  if (!event.details.empty()) html += "<p class=\"details\">" + escape_html(event.details) + "</p>";
  return html + "</li>";
}

std::string event_list(const std::vector<storage::AuditEvent>& events, bool with_subject) {
  if (events.empty()) return "<p class=\"empty\">No events.</p>";
  std::string html = "<ol class=\"events\">";
  for (const auto& event : events) html += event_item(event, with_subject);
  return html + "</ol>";
}

}  // namespace

std::string requests_page(const PageFrame& frame, const std::vector<RequestView>& reviewable,
                          const std::vector<RequestView>& mine) {
  std::string body = "<section><h1>To review <span class=\"count\">" +
                     std::to_string(reviewable.size()) + "</span></h1>" +
                     card_list(frame, reviewable, false, "Nothing waits for your review.") +
                     "</section>";
  body += "<section><h2>My requests</h2>" +
          card_list(frame, mine, true, "You have no requests.") + "</section>";
  return document(frame, "Requests", body, true);
}

std::string request_page(const PageFrame& frame, const RequestView& view,
                         const std::vector<storage::AuditEvent>& history) {
  const auto& r = view.request;
  std::string body = "<p class=\"back\"><a href=\"/\">← All requests</a></p>";
  body += std::string("<section class=\"request") + (r.break_glass() ? " is-breakglass" : "") +
          (view.waiting ? " is-waiting" : "") + "\">";
  if (r.break_glass()) body += breakglass_alarm(r);
  body += "<h1><span class=\"who\">" + escape_html(r.user) + "</span> <span class=\"wants\">wants</span> " +
          "<span class=\"scope\">" + escape_html(view.progress.scope) + "</span></h1>" + badges(view);
  if (view.waiting) {
    body += "<p class=\"note waiting\">" + escape_html(r.user) +
            " is waiting in a terminal for this decision.</p>";
  }
  body += r.reason.empty() ? "<p class=\"reason big none\">No reason given</p>"
                           : "<p class=\"reason big\">" + escape_html(r.reason) + "</p>";
  body += key_facts(frame, view) + "</section>";
  if (view.may_review) body += review_form(frame, view);
  body += own_actions(frame, view);
  body += "<section><h2>Details</h2>" + detail_facts(frame, view) + "</section>";
  body += "<section><h2>Reviews</h2>";
  if (r.reviews.empty()) {
    body += "<p class=\"empty\">None yet.</p>";
  } else {
    body += "<ul class=\"reviews\">";
    for (const auto& review : r.reviews) body += review_item(review);
    body += "</ul>";
  }
  body += "</section><section><h2>History</h2>" + event_list(history, false) + "</section>";
  return document(frame, "Request by " + r.user, body, true, r.id);
}

std::string history_page(const PageFrame& frame, const std::vector<storage::AuditEvent>& events) {
  return document(frame, "History",
                  "<section><h1>History</h1><p class=\"hint\">Newest first.</p>" +
                      event_list(events, true) + "</section>",
                  true);
}

std::string message_page(const PageFrame& frame, std::string_view title, std::string_view sentence,
                         std::string_view link, std::string_view link_text) {
  std::string body = "<section class=\"message\"><h1>" + escape_html(title) + "</h1><p>" +
                     escape_html(sentence) + "</p>";
  if (is_local_path(link)) {
    body += "<p><a class=\"button-link\" href=\"" + escape_html(link) + "\">" +
            escape_html(link_text.empty() ? link : link_text) + "</a></p>";
  }
  return document(frame, title, body + "</section>", false);
}

}  // namespace holdgate::web
