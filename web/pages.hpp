// The reviewer web page's HTML: pure functions from data to a whole, escaped document. Every
// string that came from a person or a target (names, reasons, ids, scopes, audit details) is
// hostile input: it goes through escape_html (and is never placed in an attribute unquoted, a
// URL without percent-encoding, or a script). Pages carry no inline script or style (the server
// sends a strict Content-Security-Policy); the one stylesheet and the one script are assets
// (web/assets.hpp). The essentials (list, open, approve/deny with a reason, cancel, drop) are
// plain HTML forms that work without JavaScript; the script only adds live updates (SSE).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "approvals/request_rules.hpp"
#include "storage/records.hpp"

namespace holdgate::web {

// What every page needs to know about who is looking, besides the data.
struct PageFrame {
  std::string person;      // the signed-in reviewer (empty on the signed-out pages)
  std::string csrf_token;  // goes into a hidden `csrf` field of every form
  storage::TimePoint now;  // for ages and "expires in"
  bool show_history = false;  // the person has an audit role: the header links to /history
};

// One request as a page shows it: the stored request, its progress, and what this person may
// do with it (the request service decides; the page only shows the buttons it is told to).
struct RequestView {
  storage::AccessRequest request;
  approvals::Progress progress;
  bool waiting = false;     // someone is held in a terminal on it
  bool may_review = false;  // approve / deny (reviewer rights, not the requester)
  bool may_cancel = false;  // the requester, while pending
  bool may_drop = false;    // the requester, while the grant lasts
};

// `&`, `<`, `>`, `"`, `'` as entities; control characters (but newline and tab) and bidi
// overrides (U+202A-202E, U+2066-2069, U+200E/U+200F, every other format character) as visible
// escapes ("\u202E"), so a reason cannot reorder or hide text; invalid UTF-8 as U+FFFD.
std::string escape_html(std::string_view text);

// GET /: requests this person may review (who, scope, why, votes so far, who else can still
// approve, age and expiry), then their own requests.
std::string requests_page(const PageFrame& frame, const std::vector<RequestView>& reviewable,
                          const std::vector<RequestView>& mine);

// GET /requests/ID: the request in full, its reviews and history, and the forms this person
// may use. Forms post to /requests/ID/review (fields: csrf, decision=approve|deny, reason),
// /requests/ID/cancel and /requests/ID/drop (fields: csrf).
std::string request_page(const PageFrame& frame, const RequestView& view,
                         const std::vector<storage::AuditEvent>& history);

// GET /history (audit roles only): the newest audit events first.
std::string history_page(const PageFrame& frame, const std::vector<storage::AuditEvent>& events);

// A page that says one thing: a refusal ("This link has been used."), the outcome of an action
// with a link back, or how to sign in (`ssh -p 2222 approvals@bastion web login`).
// `link`/`link_text` may be empty; `link` must be a same-origin path ("/", "/requests/ID"),
// anything else (a scheme, "//host") is left out.
std::string message_page(const PageFrame& frame, std::string_view title, std::string_view sentence,
                         std::string_view link = {}, std::string_view link_text = {});

}  // namespace holdgate::web
