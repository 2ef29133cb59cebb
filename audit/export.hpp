// `holdgate audit export`: the trail as one JSON object per line, for a SIEM. Pure.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "storage/records.hpp"

namespace holdgate::audit {

// {"id":..,"at":"RFC 3339","at_ms":..,"kind":..,"actor":..,"source":..,"subject":..,
//  "details":..,"prev_hash":..,"hash":..}: every field as stored, escaped (approvals/json.hpp),
// at_ms being the milliseconds the hash covers (storage/audit_chain.hpp).
std::string audit_event_json(const storage::AuditEvent& event);

// --since: a duration back from `now` ("24h", "30m", "7d") or a UTC time ("2026-11-23",
// "2026-11-23T03:58:00Z"). One sentence when it is neither.
std::variant<storage::TimePoint, std::string> parse_since(std::string_view text,
                                                          storage::TimePoint now);

}  // namespace holdgate::audit
