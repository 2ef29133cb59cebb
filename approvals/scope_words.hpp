// What a request asks for, in the one set of words every reviewer sees (list, show, menu,
// webhooks, hooks, `request watch`): "root@db-1 (via dba)" for a scoped request (one login on
// one target), "role dba (root on kind=db)" for a role request. Pure.
#pragma once

#include <string>

#include "config/config.hpp"
#include "storage/records.hpp"

namespace holdgate::approvals {

// Unsanitised: the caller escapes for its output (sanitize for text, JSON, Slack). A role the
// config no longer defines is named without what it allows.
std::string scope_words(const config::Config& config, const storage::AccessRequest& request);

// What a role allows, e.g. "root on kind=db" or "root,ubuntu on kind=db; deploy on any target".
std::string role_allows_words(const config::Role& role);

}  // namespace holdgate::approvals
