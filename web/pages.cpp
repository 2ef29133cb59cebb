// A first, plain rendering of the pages (web/pages.hpp); the look comes with the stylesheet.
#include "web/pages.hpp"

#include "approvals/render.hpp"

namespace holdgate::web {
namespace {

std::string document(const PageFrame& frame, std::string_view title, const std::string& body) {
  std::string html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<title>" + escape_html(title) + " · holdgate</title>"
                     "<link rel=\"stylesheet\" href=\"/static/app.css\">"
                     "<script src=\"/static/app.js\" defer></script></head><body>";
  if (!frame.person.empty()) html += "<header>holdgate · " + escape_html(frame.person) + "</header>";
  html += "<main>" + body + "</main></body></html>\n";
  return html;
}

std::string csrf_field(const PageFrame& frame) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape_html(frame.csrf_token) + "\">";
}

std::string request_row(const RequestView& view) {
  const auto& r = view.request;
  return "<li><a href=\"/requests/" + escape_html(r.id) + "\">" + escape_html(r.user) + ": " +
         escape_html(view.progress.scope) + "</a> — " + escape_html(r.reason) + " (" +
         std::to_string(view.progress.approvals) + "/" + std::to_string(view.progress.approvals_needed) +
         ")</li>";
}

std::string request_list(const std::vector<RequestView>& views) {
  if (views.empty()) return "<p>None.</p>";
  std::string html = "<ul>";
  for (const auto& view : views) html += request_row(view);
  return html + "</ul>";
}

std::string action_form(const PageFrame& frame, const std::string& id, std::string_view action,
                        std::string_view label) {
  return "<form method=\"post\" action=\"/requests/" + escape_html(id) + "/" + std::string(action) +
         "\">" + csrf_field(frame) + "<button type=\"submit\">" + std::string(label) + "</button></form>";
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += "\xEF\xBF\xBD";
        else out += c;
    }
  }
  return out;
}

std::string requests_page(const PageFrame& frame, const std::vector<RequestView>& reviewable,
                          const std::vector<RequestView>& mine) {
  return document(frame, "Requests",
                  "<h1>To review</h1>" + request_list(reviewable) + "<h1>My requests</h1>" +
                      request_list(mine));
}

std::string request_page(const PageFrame& frame, const RequestView& view,
                         const std::vector<storage::AuditEvent>& history) {
  const auto& r = view.request;
  std::string body = "<h1>" + escape_html(view.progress.scope) + "</h1><p>" + escape_html(r.user) +
                     ": " + escape_html(r.reason) + "</p><pre>" +
                     escape_html(approvals::render_request(r, view.progress, view.waiting)) + "</pre>";
  if (view.may_review) {
    body += "<form method=\"post\" action=\"/requests/" + escape_html(r.id) + "/review\">" +
            csrf_field(frame) +
            "<label>Reason <input name=\"reason\" maxlength=\"500\"></label>"
            "<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"
            "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>";
  }
  if (view.may_cancel) body += action_form(frame, r.id, "cancel", "Cancel");
  if (view.may_drop) body += action_form(frame, r.id, "drop", "Drop access");
  body += "<h2>History</h2><ul>";
  for (const auto& event : history)
    body += "<li>" + escape_html(approvals::rfc3339(event.at)) + " " + escape_html(event.kind) + " " +
            escape_html(event.actor) + "</li>";
  return document(frame, "Request", body + "</ul>");
}

std::string history_page(const PageFrame& frame, const std::vector<storage::AuditEvent>& events) {
  std::string body = "<h1>History</h1><ul>";
  for (const auto& event : events)
    body += "<li>" + escape_html(approvals::rfc3339(event.at)) + " " + escape_html(event.kind) + " " +
            escape_html(event.actor) + " " + escape_html(event.subject) + "</li>";
  return document(frame, "History", body + "</ul>");
}

std::string message_page(const PageFrame& frame, std::string_view title, std::string_view sentence,
                         std::string_view link, std::string_view link_text) {
  std::string body = "<h1>" + escape_html(title) + "</h1><p>" + escape_html(sentence) + "</p>";
  if (!link.empty()) body += "<p><a href=\"" + escape_html(link) + "\">" + escape_html(link_text) + "</a></p>";
  return document(frame, title, body);
}

}  // namespace holdgate::web
