// The pieces the reviewer pages are made of: the document around a page, forms with their CSRF
// field, times, badges, and one request as a card. Each returns escaped HTML; each string that
// came from a person goes through escape_html (text and double-quoted attribute values) or
// url_segment (ids in paths) here, so web/pages.cpp only puts pieces together.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "web/pages.hpp"

namespace holdgate::web {

// The whole document: head (viewport, the one stylesheet, the one script), the header with who
// is signed in and a sign-out form (POST /logout), and `body` inside <main>. `live`: the page is
// one app.js may refresh when a request changes (data-live on <main>); message pages are not
// (they answer a POST or a link).
// `request_id`: the page shows that one request, and app.js refreshes it only when it changes.
std::string document(const PageFrame& frame, std::string_view title, std::string_view body,
                     bool live, std::string_view request_id = {});

// <input type="hidden" name="csrf" ...>: every form has one.
std::string csrf_field(const PageFrame& frame);

// A form with one button that posts the CSRF token to `path` (/requests/ID/cancel, .../drop).
std::string button_form(const PageFrame& frame, std::string_view path, std::string_view label,
                        std::string_view button_class);

// The approve/deny form: a reason and two submit buttons (decision=approve|deny), posting to
// /requests/ID/review. A break-glass request awaiting ratification says Ratify / Reject.
std::string review_form(const PageFrame& frame, const RequestView& view);

// The buttons the requester may use: cancel while pending, drop while the grant lasts.
std::string own_actions(const PageFrame& frame, const RequestView& view);

// <time datetime="2026-11-23T03:58:00Z">23 Nov 26 03:58 UTC</time>
std::string time_tag(storage::TimePoint at);

// A duration rounded the way people say it (seconds under a minute, minutes under two hours,
// hours under two days, then days), written by approvals::format_duration: "14m", "3h", "2d".
std::string rough_duration(std::chrono::seconds duration);

// "3m ago" / "just now"; "in 14m" / "passed" for a moment ahead.
std::string time_ago(storage::TimePoint now, storage::TimePoint then);
std::string time_until(storage::TimePoint now, storage::TimePoint then);

// Escaped names joined with ", " ("nobody" when empty).
std::string name_list(const std::vector<std::string>& names, std::string_view when_empty);

// State badge, and the loud BREAK-GLASS and "waiting" marks.
std::string badges(const RequestView& view);

// "1 of 2 approvals" (plus what the approval hooks hold back).
std::string progress_words(const approvals::Progress& progress);

// One request in a list: who asks for what and why, votes so far, who else can still approve,
// age and expiry, a link to its page, and (`with_own_actions`) the requester's buttons.
std::string request_card(const PageFrame& frame, const RequestView& view, bool with_own_actions);

}  // namespace holdgate::web
