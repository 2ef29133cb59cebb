// How many requests one person may have pending and how fast they may make them
// (limits.max_pending_requests, limits.request_rate): pure rules over what the store says about
// the requester, with `now` passed in. A flood of `request create` would otherwise reach every
// reviewer, webhook and hook.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"

namespace holdgate::approvals {

// The earliest creation time the rate limit looks at: now - limits.request_rate.per.
storage::TimePoint rate_window_start(const config::Limits& limits, storage::TimePoint now);

// One sentence saying why the requester may not create another request now, e.g. "you have 10
// pending requests already, the most allowed; cancel one or wait for a decision", or nullopt.
// `activity` counts what is stored; the request being made is not in it. Requests created at
// or before rate_window_start are ignored (`activity.created` may hold them).
std::optional<std::string> creation_refusal(const config::Limits& limits,
                                            const storage::RequesterActivity& activity,
                                            storage::TimePoint now);

}  // namespace holdgate::approvals
