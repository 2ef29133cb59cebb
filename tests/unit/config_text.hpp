// Configs written inline in tests: parse text that must be valid, or collect the errors of
// text that must not be.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "config/load.hpp"

// Parses text that must be valid; on failure the errors are shown before REQUIRE stops.
inline holdgate::config::Config parse_ok(const std::string& yaml,
                                         const std::filesystem::path& file = "/etc/holdgate/holdgate.yaml") {
  auto result = holdgate::config::parse_config(yaml, file);
  for (const auto& e : result.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(result.errors.empty());
  REQUIRE(result.config.has_value());
  return *result.config;
}

// Every error in text read as "c.yaml", as the messages a person would see.
inline std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& error : holdgate::config::parse_config(yaml, "c.yaml").errors) {
    out.push_back(error.to_string());
  }
  return out;
}
