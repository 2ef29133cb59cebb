// Rule matching: does a label selector accept a target, does a role allow a login on a target.
#pragma once

#include <string_view>

#include "config/config.hpp"

namespace holdgate::policy {

// True when the labels satisfy the selector (see config::LabelSelector): `any_target` accepts
// everything; otherwise every listed label must be present with one of the listed values, "*"
// accepting any value. A selector listing no labels (and not any_target) matches NOTHING: an
// empty `targets: {}` is far more likely a mistake than a wish to open every host, and it is what
// Teleport does too. Likewise a label listed with no values matches nothing.
bool selector_matches(const config::LabelSelector& selector, const config::Labels& labels);

// True when any rule of the role lists `login` (or "*") and its selector matches the target.
bool role_allows(const config::Role& role, std::string_view login, const config::Target& target);

}  // namespace holdgate::policy
