// Reads a YAML config file into a validated Config. Errors are values, each naming file:line:col.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace holdgate::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the file as a whole
  int column = 0;  // 1-based
  std::string message;

  // "FILE:LINE:COL: message" (or "FILE: message" without a position).
  std::string to_string() const;
};

struct LoadResult {
  std::optional<Config> config;     // set only when errors is empty
  std::vector<ConfigError> errors;  // every problem found, in file order
};

// Parses and validates; relative paths resolve against the file's directory. Does not touch
// state_dir or key files: that is the server's job at start-up.
LoadResult load_config(const std::filesystem::path& file);

// The same from text already in memory; `file` is used for error positions and relative paths.
LoadResult parse_config(std::string_view yaml, const std::filesystem::path& file);

// "30s", "15m", "8h", "2d" (one number and one unit). nullopt for anything else.
std::optional<Duration> parse_duration(std::string_view text);

// "host[:port]", "[v6]:port"; port defaults to `default_port`. nullopt when malformed.
std::optional<Address> parse_address(std::string_view text, std::uint16_t default_port);

}  // namespace holdgate::config
