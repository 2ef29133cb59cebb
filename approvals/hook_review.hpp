// What an approval hook's verdict does to a request, as a pure function like the other rules.
// A hook reviews as "hook:NAME", which may_review entitles to every role.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "approvals/request_rules.hpp"

namespace holdgate::approvals {

// "hook:NAME", the reviewer name a hook's verdict is stored under.
std::string hook_reviewer(std::string_view hook_name);

// apply_review() as reviewer hook:NAME, except that a deny ends the request at once whatever
// the roles' deny thresholds: a hook encodes a rule ("contractors cite a ticket"), and a rule
// that fails is not one vote among several. resolution_reason is the hook's reason, or
// "denied by hook:NAME" when it gave none. An approve is one approval, like a person's.
std::variant<AccessRequest, RuleError> apply_hook_review(const config::Config& config,
                                                         const AccessRequest& request,
                                                         std::string_view hook_name,
                                                         Decision decision, std::string reason,
                                                         TimePoint now);

}  // namespace holdgate::approvals
