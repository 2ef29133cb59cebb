#include "recording/mode.hpp"

#include <algorithm>

namespace holdgate::recording {

config::RecordingMode effective_mode(const config::Config& config, const config::Target& target,
                                     const std::string& role) {
  const auto& settings = config.recording;
  if (auto t = settings.target_modes.find(target.name); t != settings.target_modes.end()) return t->second;
  if (auto r = settings.role_modes.find(role); r != settings.role_modes.end()) return r->second;
  return settings.mode;
}

bool recording_required(const config::Config& config, const std::string& role) {
  const auto& required = config.recording.required_roles;
  return std::find(required.begin(), required.end(), role) != required.end();
}

}  // namespace holdgate::recording
