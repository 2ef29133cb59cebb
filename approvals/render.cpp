#include "approvals/render.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>

#include "approvals/hook_review.hpp"
#include "approvals/lock_rules.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals {
namespace {

using policy::sanitize;

// Civil date and time of day in UTC, without the C library (locale-free month names, no
// gmtime_r time_t range limits).
struct Civil {
  int year;
  unsigned month, day;
  long long hour, minute, second;
};

Civil civil(TimePoint at) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(at);
  const auto day = floor<days>(seconds);
  const year_month_day date{day};
  const hh_mm_ss time{seconds - day};
  return {int(date.year()), unsigned(date.month()), unsigned(date.day()), time.hours().count(),
          time.minutes().count(), time.seconds().count()};
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string sanitized_list(const std::vector<std::string>& items, std::string_view separator) {
  std::vector<std::string> clean;
  for (const auto& item : items) clean.push_back(sanitize(item));
  return join(clean, separator);
}

std::string plural(int count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

// Decodes one code point for width purposes; invalid bytes count as one column each.
std::size_t next_code_point(std::string_view text, std::size_t i, std::uint32_t& cp) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3
                           : (lead >> 3) == 0x1e ? 4 : 1;
  if (i + length > text.size()) {
    cp = lead;
    return 1;
  }
  cp = length == 1 ? lead : lead & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (text[i + k] & 0x3f);
  return length;
}

int code_point_width(std::uint32_t cp) {
  // Combining marks, zero-width spaces/joiners and variation selectors take no column.
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
      (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe00 && cp <= 0xfe0f)) {
    return 0;
  }
  // East Asian wide and fullwidth ranges, and emoji, take two.
  static constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 12> wide = {{
      {0x1100, 0x115f}, {0x2e80, 0x303e}, {0x3041, 0x33ff}, {0x3400, 0x4dbf},
      {0x4e00, 0x9fff}, {0xa000, 0xa4cf}, {0xac00, 0xd7a3}, {0xf900, 0xfaff},
      {0xfe30, 0xfe4f}, {0xff00, 0xff60}, {0x1f300, 0x1faff}, {0x20000, 0x3fffd},
  }};
  for (auto [low, high] : wide) {
    if (cp >= low && cp <= high) return 2;
  }
  if (cp >= 0xffe0 && cp <= 0xffe6) return 2;
  return 1;
}

using Column = TableColumn;

}  // namespace

std::string render_columns(const std::vector<Column>& columns, bool with_header) {
  std::vector<std::size_t> widths;
  for (const auto& column : columns) {
    std::size_t width = with_header ? display_width(column.header) : 0;
    for (const auto& cell : column.cells) width = std::max(width, display_width(cell));
    widths.push_back(width);
  }
  auto line = [&](auto cell_of) {
    std::string out;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string& cell = cell_of(columns[c]);
      out += c + 1 == columns.size() ? cell : pad_to(cell, widths[c]) + "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out;
  if (with_header) out += line([](const Column& column) -> const std::string& { return column.header; });
  const std::size_t rows = columns.empty() ? 0 : columns.front().cells.size();
  for (std::size_t r = 0; r < rows; ++r) {
    out += line([r](const Column& column) -> const std::string& { return column.cells[r]; });
  }
  return out;
}

namespace {

std::string request_table(const std::vector<AccessRequest>& requests, std::string time_header,
                          TimePoint (*time_of)(const AccessRequest&), const ProgressFn& progress,
                          const WaitingFn& waiting) {
  if (requests.empty()) return "No requests.\n";
  std::vector<Column> columns = {{"ID", {}}, {"User", {}}, {"Access", {}},
                                 {std::move(time_header), {}}, {"Status", {}}};
  for (const auto& request : requests) {
    columns[0].cells.push_back(sanitize(request.id));
    columns[1].cells.push_back(sanitize(request.user));
    columns[2].cells.push_back(sanitize(progress(request).scope));
    columns[3].cells.push_back(table_time(time_of(request)));
    std::string status = to_string(request.state);
    if (request.break_glass()) status += std::string(", ") + to_string(request.ratification);
    if (waiting && waiting(request.id)) status += " (waiting)";
    columns[4].cells.push_back(std::move(status));
  }
  return render_columns(columns, true);
}

std::string review_line(const storage::Review& review) {
  const bool approve = review.decision == Decision::approve;
  std::string out = std::string(approve ? "✔ " : "✘ ") + sanitize(review.reviewer) +
                    (approve ? " approved" : " denied");
  if (!review.reason.empty()) out += ": \"" + sanitize(review.reason) + "\"";
  return out + " at " + table_time(review.at);
}

// "1 of 2 approvals", with a per-role breakdown when several roles are asked for.
std::string progress_text(const Progress& progress) {
  std::string out = std::to_string(progress.approvals) + " of " +
                    plural(progress.approvals_needed, "approval");
  if (progress.roles.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& role : progress.roles) {
      parts.push_back(sanitize(role.role) + " " + std::to_string(role.approvals) + "/" +
                      std::to_string(role.approvals_needed));
    }
    out += " (" + join(parts, ", ") + ")";
  }
  return out;
}

}  // namespace

std::string table_time(TimePoint at) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = civil(at);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02u %s %02d %02lld:%02lld UTC", c.day, months[c.month - 1],
                ((c.year % 100) + 100) % 100, c.hour, c.minute);
  return buf;
}

std::string rfc3339(TimePoint at) {
  const Civil c = civil(at);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", c.year, c.month, c.day,
                c.hour, c.minute, c.second);
  return buf;
}

std::string format_duration(std::chrono::seconds duration) {
  const long long s = duration.count();
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    i += next_code_point(text, i, cp);
    width += code_point_width(cp);
  }
  return width;
}

std::string fit_width(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  // Keep whole characters that fit in width - 1 columns, then the one-column ellipsis.
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t length = next_code_point(text, i, cp);
    const std::size_t w = code_point_width(cp);
    if (used + w > width - 1) break;
    out.append(text.substr(i, length));
    used += w;
    i += length;
  }
  return out + "…";
}

std::string pad_to(std::string_view text, std::size_t width) {
  std::string out(text);
  const std::size_t have = display_width(text);
  if (have < width) out.append(width - have, ' ');
  return out;
}

std::string render_request_table(const std::vector<AccessRequest>& requests,
                                 const ProgressFn& progress, const WaitingFn& waiting) {
  return request_table(requests, "Created (UTC)",
                       [](const AccessRequest& r) { return r.created; }, progress, waiting);
}

std::string render_request(const AccessRequest& request, const Progress& progress,
                           bool waiting) {
  std::string out = "Request " + sanitize(request.id) + "\n";
  auto field = [&out](std::string_view label, const std::string& value) {
    out += "  " + pad_to(std::string(label) + ":", 15) + value + "\n";
  };
  field("User", sanitize(request.user));
  field("Roles", sanitized_list(request.roles, ", "));
  field("Reason", request.reason.empty() ? "(none given)" : sanitize(request.reason));
  std::string access = sanitize(progress.scope);
  if (!request.source.empty()) access += " from " + sanitize(request.source);
  field("Access", access);
  const bool pending = request.state == RequestState::pending;
  field("State", std::string(to_string(request.state)) + (waiting ? " (waiting)" : ""));
  field("Created", table_time(request.created));
  if (pending) field("Expires", table_time(request.expires));
  if (request.resolved) field("Resolved", table_time(*request.resolved));
  if (request.max_duration) field("Max duration", format_duration(*request.max_duration));
  field("Progress", progress_text(progress));
  if (pending) {
    field("Can review", progress.can_still_review.empty()
                            ? "nobody (ask an administrator)"
                            : sanitized_list(progress.can_still_review, ", "));
  }
  if (!request.suggested_reviewers.empty()) {
    field("Suggested", sanitized_list(request.suggested_reviewers, ", "));
  }
  if (request.reviews.empty()) {
    field("Reviews", "none yet");
  } else {
    out += "  Reviews:\n";
    for (const auto& review : request.reviews) out += "    " + review_line(review) + "\n";
  }
  if (!request.resolution_reason.empty()) field("Resolution", sanitize(request.resolution_reason));
  if (request.grant_expires) field("Grant expires", table_time(*request.grant_expires));
  if (request.break_glass()) {
    std::string ratification = to_string(request.ratification);
    if (request.ratification == storage::Ratification::awaiting && request.ratify_by) {
      ratification += ": to be ratified by " + table_time(*request.ratify_by) +
                      " (request review --approve), or its requester is locked";
    }
    field("BREAK-GLASS", ratification);
  }
  // The role's `grant:` terms, so reviewers and requester see what approval gives.
  if (request.until_session_end) field("Grant ends", "with the first session that uses it");
  if (request.uses) {
    field("Uses", std::to_string(request.uses_left.value_or(0)) + " of " +
                      plural(*request.uses, "login") + " left");
  }
  return out;
}

std::string render_created(const AccessRequest& request, const Progress& progress,
                           std::string_view invocation) {
  const std::string id = sanitize(request.id);
  if (request.break_glass()) {
    std::string out = "BREAK-GLASS request " + id + ": " + sanitize(request.user) + " holds " +
                      sanitize(progress.scope) + " now";
    if (request.grant_expires) out += ", until " + table_time(*request.grant_expires);
    out += ".\nIt must be ratified by its reviewers (" +
           (progress.can_still_review.empty() ? std::string("nobody can; ask an administrator")
                                              : sanitized_list(progress.can_still_review, ", ")) +
           ")";
    if (request.ratify_by) out += " by " + table_time(*request.ratify_by);
    out += ", or " + sanitize(request.user) + " is locked.\n";
    out += "Ratify with: " + std::string(invocation) + " request review --approve " + id + "\n";
    return out;
  }
  std::string out = "Request " + id + " created for " + sanitize(progress.scope) + ": needs " +
                    plural(progress.approvals_needed, "approval") + ".\n";
  out += "Reviewers: " +
         (progress.can_still_review.empty() ? std::string("nobody can review it (ask an administrator)")
                                            : sanitized_list(progress.can_still_review, ", ")) +
         "\n";
  out += "Approve with: " + std::string(invocation) + " request review --approve " + id + "\n";
  return out;
}

std::string render_reviewed(const AccessRequest& request, const Progress& progress,
                            Decision decision) {
  const std::string id = sanitize(request.id);
  switch (request.ratification) {
    case storage::Ratification::none: break;
    case storage::Ratification::awaiting:
      return "Ratified break-glass request " + id + ": " + progress_text(progress) + " so far.\n";
    case storage::Ratification::ratified:
      return "Break-glass request " + id + " is RATIFIED.\n";
    case storage::Ratification::rejected:
    case storage::Ratification::unratified:
      return "Break-glass request " + id + " is " + to_string(request.ratification) + ": " +
             sanitize(request.user) + " is locked.\n";
  }
  switch (request.state) {
    case RequestState::approved: {
      std::string out = "Request " + id + " is APPROVED: " + sanitize(request.user) + " holds " +
                        sanitize(progress.scope);
      if (request.grant_expires) out += " until " + table_time(*request.grant_expires);
      return out + ".\n";
    }
    case RequestState::denied: return "Request " + id + " is DENIED.\n";
    case RequestState::pending:
      if (decision == Decision::approve && progress.approvals_held) {
        return "Request " + id + ": " + held_approval_sentence(progress) + ".\n";
      }
      if (decision == Decision::approve) {
        return "Approved request " + id + ": " + progress_text(progress) + " so far.\n";
      }
      return "Denied request " + id + "; it stays pending until enough reviewers deny it.\n";
    default: return "Request " + id + " is " + to_string(request.state) + ".\n";
  }
}

std::string render_cancelled(const AccessRequest& request) {
  return "Request " + sanitize(request.id) + " cancelled.\n";
}

// ---- Locks
std::string render_lock(const storage::LockRecord& lock) {
  return "Lock " + sanitize(lock.id) + ": " + sanitize(policy::lock_sentence(policy_lock(lock))) +
         (lock.expires ? " (until " + table_time(*lock.expires) + ")" : " (until removed)") + "\n";
}

std::string render_locks(const std::vector<storage::LockRecord>& locks) {
  if (locks.empty()) return "No locks.\n";
  std::string out;
  for (const auto& lock : locks) out += render_lock(lock);
  return out;
}

// ---- Taking access back
std::string render_taken_back(const AccessRequest& request) {
  const char* how = request.state == RequestState::dropped ? "dropped" : "revoked";
  return "Request " + sanitize(request.id) + " " + how + ": the access it granted has ended.\n";
}

std::string render_history(const std::vector<storage::AuditEvent>& events,
                           const std::vector<AccessRequest>& resolved, TimePoint since,
                           const ProgressFn& progress) {
  std::string out;
  if (events.empty()) {
    out += "No events since " + table_time(since) + ".\n";
  } else {
    std::vector<Column> columns(5);
    for (const auto& event : events) {
      columns[0].cells.push_back(rfc3339(event.at));
      columns[1].cells.push_back(sanitize(event.kind));
      columns[2].cells.push_back(sanitize(event.actor));
      columns[3].cells.push_back(sanitize(event.subject));
      columns[4].cells.push_back(sanitize(event.details));
    }
    out += render_columns(columns, false);
  }
  if (!resolved.empty()) {
    out += "\nResolved since " + table_time(since) + ":\n";
    out += request_table(resolved, "Resolved (UTC)",
                         [](const AccessRequest& r) { return r.resolved.value_or(r.created); },
                         progress, {});
  }
  return out;
}

void write_request_json(JsonWriter& json, const AccessRequest& request, const Progress& progress) {
  json.begin_object();
  write_request_fields(json, request, progress);
  json.end_object();
}

void write_request_fields(JsonWriter& json, const AccessRequest& request,
                          const Progress& progress) {
  auto optional_string = [&json](std::string_view key, const std::string& value) {
    json.key(key);
    if (value.empty()) json.null();
    else json.value(value);
  };
  json.key("id").value(request.id);
  json.key("user").value(request.user);
  json.key("roles").begin_array();
  for (const auto& role : request.roles) json.value(role);
  json.end_array();
  json.key("reason").value(request.reason);
  json.key("state").value(to_string(request.state));
  json.key("created").value(rfc3339(request.created));
  json.key("expires").value(rfc3339(request.expires));
  json.key("approvals_needed").value(progress.approvals_needed);
  json.key("approvals").value(progress.approvals);
  json.key("reviews").begin_array();
  for (const auto& review : request.reviews) {
    json.begin_object();
    json.key("reviewer").value(review.reviewer);
    json.key("decision").value(to_string(review.decision));
    json.key("reason").value(review.reason);
    json.key("at").value(rfc3339(review.at));
    json.end_object();
  }
  json.end_array();
  json.key("grant_expires");
  if (request.grant_expires) json.value(rfc3339(*request.grant_expires));
  else json.null();
  optional_string("resolution_reason", request.resolution_reason);
  if (request.until_session_end) json.key("until_session_end").value(true);
  if (request.uses) {
    json.key("uses").value(*request.uses);
    json.key("uses_left").value(request.uses_left.value_or(0));
  }
  json.key("suggested_reviewers").begin_array();
  for (const auto& reviewer : request.suggested_reviewers) json.value(reviewer);
  json.end_array();
  optional_string("login", request.login);
  optional_string("target", request.target);
  json.key("scope").value(progress.scope);
  json.key("break_glass").value(request.break_glass());
  optional_string("ratification", to_string(request.ratification));
  json.key("ratify_by");
  if (request.ratify_by) json.value(rfc3339(*request.ratify_by));
  else json.null();
}

std::string request_json(const AccessRequest& request, const Progress& progress) {
  JsonWriter json;
  write_request_json(json, request, progress);
  return json.str();
}

std::string requests_json(const std::vector<AccessRequest>& requests, const ProgressFn& progress) {
  JsonWriter json;
  json.begin_array();
  for (const auto& request : requests) write_request_json(json, request, progress(request));
  json.end_array();
  return json.str();
}

std::string history_json(const std::vector<storage::AuditEvent>& events) {
  JsonWriter json;
  json.begin_array();
  for (const auto& event : events) {
    json.begin_object();
    json.key("at").value(rfc3339(event.at));
    json.key("kind").value(event.kind);
    json.key("actor").value(event.actor);
    json.key("source").value(event.source);
    json.key("subject").value(event.subject);
    json.key("details").value(event.details);
    json.end_object();
  }
  json.end_array();
  return json.str();
}

std::string change_json(const config::Config& config, const RequestChange& change) {
  JsonWriter json;
  json.begin_object();
  json.key("event").value(change.event);
  write_request_fields(json, change.request, progress(config, change.request));
  json.end_object();
  return json.str();
}

}  // namespace holdgate::approvals
