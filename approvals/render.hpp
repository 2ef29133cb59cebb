// What the approvals channel prints: the request table, one request in detail, the outcome of
// create/review/cancel, history, and the JSON forms of the same. Pure functions of their
// arguments. Every string a person typed (names, roles, reasons, ids, audit details) goes
// through policy::sanitize before it reaches text output; JSON escaping covers JSON output.
// Lines end in "\n" (the proxy turns them into "\r\n" on a pty).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "approvals/json.hpp"
#include "approvals/request_events.hpp"
#include "approvals/request_rules.hpp"
#include "storage/records.hpp"

namespace holdgate::approvals {

// True when someone is waiting live on the request with this id (a held session); may be empty.
using WaitingFn = std::function<bool(const std::string& id)>;
// Progress of a request (usually [&](auto& r) { return progress(config, r); }).
using ProgressFn = std::function<Progress(const AccessRequest&)>;

// ---- times and durations

// "23 Nov 26 03:58 UTC" (tables and human text).
std::string table_time(TimePoint at);
// "2026-11-23T03:58:00Z" (JSON and history lines), whole seconds.
std::string rfc3339(TimePoint at);
// "2h", "90m", "1d", "45s": the largest unit that divides the duration exactly.
std::string format_duration(std::chrono::seconds duration);

// ---- terminal text width (columns, not bytes)

// Columns `text` (UTF-8) takes on a terminal: combining marks 0, East Asian wide and emoji 2,
// everything else 1. Meant for sanitised text, which holds no control characters.
std::size_t display_width(std::string_view text);
// `text` cut to at most `width` columns, ending in "…" when cut. Never splits a character.
std::string fit_width(std::string_view text, std::size_t width);
// `text` padded with spaces to `width` columns (unchanged when already wider).
std::string pad_to(std::string_view text, std::size_t width);

// ---- text output

// A table's column: its header and one cell per row (already sanitised).
struct TableColumn {
  std::string header;
  std::vector<std::string> cells;
};
// Columns as wide as their widest cell, two spaces apart, no trailing spaces.
std::string render_columns(const std::vector<TableColumn>& columns, bool with_header);

// The request table, columns as wide as their content, two spaces apart:
//   ID                                    User  Access                Created (UTC)        Status
//   9c721e54-b049-4ef8-a7f6-c777aa066764  bob   root@db-1 (via dba)   23 Nov 26 03:58 UTC  PENDING (waiting)
// "Access" is Progress::scope. "(waiting)" marks requests someone is waiting on live. No rows:
// "No requests.\n".
std::string render_request_table(const std::vector<AccessRequest>& requests,
                                 const ProgressFn& progress, const WaitingFn& waiting = {});

// One request in detail: who, what, why, state, times, progress ("1 of 2 approvals"), who can
// still review (while pending), reviews ("✔ alice approved: "fine" at ..."), the resolution,
// grant expiry when approved, and what it asks for (Access: Progress::scope, "from ADDRESS" when
// it came from an inline escalation).
std::string render_request(const AccessRequest& request, const Progress& progress,
                           bool waiting = false);

// After `request create`:
//   Request ID created for root@db-1 (via dba): needs 2 approvals.
//   Reviewers: alice, ivan
//   Approve with: INVOCATION request review --approve ID
// `invocation` is how people reach the channel, e.g. "ssh -p 2222 approvals@bastion".
std::string render_created(const AccessRequest& request, const Progress& progress,
                           std::string_view invocation);

// After `request review`: the recorded decision and where the request stands now.
std::string render_reviewed(const AccessRequest& request, const Progress& progress,
                            Decision decision);

// After `request cancel`.
std::string render_cancelled(const AccessRequest& request);

// ---- Taking access back: after `request drop` / `request revoke`, one line per request:
//   Request ID dropped: the access it granted has ended.
//   Request ID revoked: the access it granted has ended.
std::string render_taken_back(const AccessRequest& request);

// ---- Locks: `lock create` says "Lock ID: db-1 is locked by erin: incident 42 (until ...)";
// `lock list` one such line per lock, or "No locks.".
std::string render_lock(const storage::LockRecord& lock);
std::string render_locks(const std::vector<storage::LockRecord>& locks);

// `history`: one line per audit event, columns aligned,
//   2026-11-23T03:58:00Z  request.approved  alice  9c721e54-...  details
// then the requests resolved since `since` as a table. Either may be empty.
std::string render_history(const std::vector<storage::AuditEvent>& events,
                           const std::vector<AccessRequest>& resolved, TimePoint since,
                           const ProgressFn& progress);

// ---- JSON output (compact, no trailing newline)

// One request as an object with exactly these fields, in this order:
//   id, user, roles [..], reason, state ("PENDING", ...), created, expires (RFC 3339 UTC),
//   approvals_needed (number: approvals the request needs IN TOTAL, summed over its roles —
//     Progress::approvals_needed — not how many are still missing),
//   approvals (number: approvals counted so far, summed the same way),
//   reviews [{reviewer, decision ("APPROVE"/"DENY"), reason, at}],
//   grant_expires (string, or null unless APPROVED),
//   resolution_reason (string or null), suggested_reviewers [..],
//   login, target (strings, or null unless the request is for one login on one target),
//   scope (Progress::scope: "root@db-1 (via dba)" / "role dba (root on kind=db)"),
//   break_glass (bool), ratification ("AWAITING"/"RATIFIED"/"REJECTED"/"UNRATIFIED", or null
//     unless break-glass), ratify_by (string, or null unless break-glass).
void write_request_json(JsonWriter& json, const AccessRequest& request, const Progress& progress);
// The same fields without the braces, into an object the caller has opened (watch lines put
// "event" first).
void write_request_fields(JsonWriter& json, const AccessRequest& request, const Progress& progress);
std::string request_json(const AccessRequest& request, const Progress& progress);
// A change as one JSON object: "event", then every request_json field (`request watch` lines
// and json webhooks say the same thing).
std::string change_json(const config::Config& config, const RequestChange& change);
// An array of request_json objects.
std::string requests_json(const std::vector<AccessRequest>& requests, const ProgressFn& progress);
// An array of {at, kind, actor, source, subject, details}, `at` in RFC 3339.
std::string history_json(const std::vector<storage::AuditEvent>& events);

}  // namespace holdgate::approvals
