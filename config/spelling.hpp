// "Did you mean ...?" for every place a person types a name holdgate knows: config keys and
// role names, approvals-channel commands and flags.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace holdgate::config {

// The candidate within two edits of `word`, the closest first; empty when none is that close.
std::string closest_word(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace holdgate::config
