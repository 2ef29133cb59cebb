// `holdgate COMMAND --help`: each command's own usage, as the man page describes it.
#pragma once

#include <optional>
#include <string_view>

namespace holdgate::proxy {

// Where the configuration is read from when --config is not given.
inline constexpr std::string_view default_config_path = "/etc/holdgate/holdgate.yaml";

// The usage text of `command` ("serve", "audit", ...), or nullopt for a word that is none.
std::optional<std::string_view> command_usage(std::string_view command);

}  // namespace holdgate::proxy
