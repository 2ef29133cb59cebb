// The reviewer pages' pieces (web/page_parts.hpp). Attribute values are always double-quoted
// and escaped; ids go into paths only through request_path.
#include "web/page_parts.hpp"

#include "approvals/render.hpp"
#include "web/html.hpp"

namespace holdgate::web {
namespace {

using std::chrono::seconds;

std::string state_label(storage::RequestState state) {
  switch (state) {
    case storage::RequestState::pending: return "Pending";
    case storage::RequestState::approved: return "Approved";
    case storage::RequestState::denied: return "Denied";
    case storage::RequestState::expired: return "Expired";
    case storage::RequestState::cancelled: return "Cancelled";
    case storage::RequestState::revoked: return "Revoked";
    case storage::RequestState::dropped: return "Dropped";
  }
  return "Unknown";
}

// "state-pending": the CSS class for a state (from the enum, never from input).
std::string state_class(storage::RequestState state) {
  std::string name = state_label(state);
  for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return "state-" + name;
}

std::string span(std::string_view css_class, std::string_view html) {
  return "<span class=\"" + std::string(css_class) + "\">" + std::string(html) + "</span>";
}

// When the request stops waiting for something, in words: its expiry while pending, the
// ratification deadline of a break-glass request, the end of an approved grant.
std::string deadline_words(const PageFrame& frame, const storage::AccessRequest& r) {
  if (r.ratification == storage::Ratification::awaiting && r.ratify_by)
    return "ratify " + time_until(frame.now, *r.ratify_by);
  if (r.state == storage::RequestState::pending) return "expires " + time_until(frame.now, r.expires);
  if (r.state == storage::RequestState::approved && r.grant_expires)
    return "access ends " + time_until(frame.now, *r.grant_expires);
  return {};
}

}  // namespace

std::string document(const PageFrame& frame, std::string_view title, std::string_view body,
                     bool live, std::string_view request_id) {
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"light dark\">"
      // Login links carry a token in their URL: never let it leave in a Referer.
      "<meta name=\"referrer\" content=\"no-referrer\">"
      "<meta name=\"robots\" content=\"noindex, nofollow\">"
      "<title>" + escape_html(title) + " · holdgate</title>"
      "<link rel=\"stylesheet\" href=\"/static/app.css\">"
      "<script src=\"/static/app.js\" defer></script></head><body>"
      "<header class=\"top\"><a class=\"brand\" href=\"/\">holdgate</a>";
  if (!frame.person.empty()) {
    html += "<nav>";
    if (frame.show_history) html += "<a href=\"/history\">History</a>";
    html += "<span class=\"person\">" + escape_html(frame.person) + "</span>";
    // POST /logout, with the token like every form (a GET could be triggered by any link).
    if (!frame.csrf_token.empty()) {
      html += "<form class=\"inline\" method=\"post\" action=\"/logout\">" + csrf_field(frame) +
              "<button type=\"submit\" class=\"link\">Sign out</button></form>";
    }
    html += "</nav>";
  }
  html += "</header><main";
  if (live) html += " data-live=\"1\"";
  if (live && !request_id.empty()) html += " data-request=\"" + escape_html(request_id) + "\"";
  html += ">";
  html += body;
  html += "</main></body></html>\n";
  return html;
}

std::string csrf_field(const PageFrame& frame) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape_html(frame.csrf_token) + "\">";
}

std::string button_form(const PageFrame& frame, std::string_view path, std::string_view label,
                        std::string_view button_class) {
  return "<form class=\"inline\" method=\"post\" action=\"" + escape_html(path) + "\">" +
         csrf_field(frame) + "<button type=\"submit\" class=\"" + escape_html(button_class) +
         "\">" + escape_html(label) + "</button></form>";
}

std::string review_form(const PageFrame& frame, const RequestView& view) {
  const auto& r = view.request;
  const bool ratifying = r.ratification == storage::Ratification::awaiting;
  std::string html = "<form class=\"review\" method=\"post\" action=\"" +
                     escape_html(request_path(r.id) + "/review") + "\">" + csrf_field(frame);
  html += ratifying ? "<h2>Ratify this break-glass access?</h2>" : "<h2>Your review</h2>";
  html += "<label for=\"reason\">Reason <span class=\"hint\">(optional; ";
  html += escape_html(r.user) + " sees it)</span></label>"
          "<textarea id=\"reason\" name=\"reason\" rows=\"2\" autocomplete=\"off\"></textarea>"
          "<div class=\"decide\">"
          "<button type=\"submit\" class=\"approve\" name=\"decision\" value=\"approve\">";
  html += ratifying ? "Ratify" : "Approve";
  html += "</button><button type=\"submit\" class=\"deny\" name=\"decision\" value=\"deny\">";
  html += ratifying ? "Reject" : "Deny";
  html += "</button></div></form>";
  return html;
}

std::string own_actions(const PageFrame& frame, const RequestView& view) {
  std::string html;
  const std::string path = request_path(view.request.id);
  if (view.may_cancel) html += button_form(frame, path + "/cancel", "Cancel request", "secondary");
  if (view.may_drop) html += button_form(frame, path + "/drop", "Drop access", "secondary danger");
  return html.empty() ? html : "<div class=\"actions\">" + html + "</div>";
}

std::string time_tag(storage::TimePoint at) {
  return "<time datetime=\"" + approvals::rfc3339(at) + "\">" + approvals::table_time(at) +
         "</time>";
}

std::string rough_duration(seconds duration) {
  using std::chrono::days;
  using std::chrono::hours;
  using std::chrono::minutes;
  auto round_to = [&](seconds unit) { return seconds((duration + unit / 2) / unit * unit); };
  if (duration < minutes(1)) return approvals::format_duration(duration);
  if (duration < hours(2)) return approvals::format_duration(round_to(minutes(1)));
  if (duration < days(2)) return approvals::format_duration(round_to(hours(1)));
  return approvals::format_duration(round_to(days(1)));
}

std::string time_ago(storage::TimePoint now, storage::TimePoint then) {
  const auto ago = std::chrono::duration_cast<seconds>(now - then);
  const std::string words = ago < seconds(30) ? "just now" : rough_duration(ago) + " ago";
  return "<time datetime=\"" + approvals::rfc3339(then) + "\" title=\"" +
         approvals::table_time(then) + "\">" + words + "</time>";
}

std::string time_until(storage::TimePoint now, storage::TimePoint then) {
  const auto ahead = std::chrono::duration_cast<seconds>(then - now);
  const std::string words = ahead <= seconds(0) ? "now" : "in " + rough_duration(ahead);
  return "<time datetime=\"" + approvals::rfc3339(then) + "\" title=\"" +
         approvals::table_time(then) + "\">" + words + "</time>";
}

std::string name_list(const std::vector<std::string>& names, std::string_view when_empty) {
  if (names.empty()) return escape_html(when_empty);
  std::string html;
  for (const auto& name : names) {
    if (!html.empty()) html += ", ";
    html += escape_html(name);
  }
  return html;
}

std::string badges(const RequestView& view) {
  const auto& r = view.request;
  std::string html = "<span class=\"badges\">";
  if (r.break_glass()) html += "<strong class=\"badge breakglass\">BREAK-GLASS</strong>";
  html += "<span class=\"badge " + state_class(r.state) + "\">" + state_label(r.state) + "</span>";
  if (view.waiting)
    html += "<span class=\"badge waiting\" title=\"someone is held in a terminal on it\">waiting</span>";
  return html + "</span>";
}

std::string progress_words(const approvals::Progress& progress) {
  std::string words = std::to_string(progress.approvals) + " of " +
                      std::to_string(progress.approvals_needed) +
                      (progress.approvals_needed == 1 ? " approval" : " approvals");
  if (progress.approvals_held) {
    words += " (held until the approval hooks answer: " + std::to_string(progress.hooks_answered) +
             " of " + std::to_string(progress.hooks_configured) + ")";
  }
  return words;
}

std::string request_card(const PageFrame& frame, const RequestView& view, bool with_own_actions) {
  const auto& r = view.request;
  std::string html = "<li class=\"card";
  if (r.break_glass()) html += " is-breakglass";
  if (view.waiting) html += " is-waiting";
  html += "\"><div class=\"card-head\"><a class=\"card-title\" href=\"" +
          escape_html(request_path(r.id)) + "\">" + span("who", escape_html(r.user)) +
          " <span class=\"wants\">wants</span> " + span("scope", escape_html(view.progress.scope)) +
          "</a>" + badges(view) + "</div>";
  html += r.reason.empty() ? "<p class=\"reason none\">No reason given</p>"
                           : "<p class=\"reason\">" + escape_html(r.reason) + "</p>";
  html += "<p class=\"meta\">" + span("votes", progress_words(view.progress));
  if (r.awaits_review()) {
    html += span("can-review", "can still approve: " +
                                   name_list(view.progress.can_still_review,
                                             "nobody (ask an administrator)"));
  }
  html += span("age", "asked " + time_ago(frame.now, r.created));
  if (const auto deadline = deadline_words(frame, r); !deadline.empty())
    html += span("deadline", deadline);
  html += "</p>";
  if (with_own_actions) html += own_actions(frame, view);
  return html + "</li>";
}

}  // namespace holdgate::web
