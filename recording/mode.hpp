// Which recording a login gets: the target's `recording:` over the role's over the global one.
#pragma once

#include <string>

#include "config/config.hpp"

namespace holdgate::recording {

config::RecordingMode effective_mode(const config::Config& config, const config::Target& target,
                                     const std::string& role);

// `record_required: true` on the role that allowed the login.
bool recording_required(const config::Config& config, const std::string& role);

}  // namespace holdgate::recording
