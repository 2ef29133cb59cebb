// The Prometheus text exposition format 0.0.4, as pure functions (table-tested).
#pragma once

#include <string>
#include <string_view>

#include "metrics/registry.hpp"

namespace holdgate::metrics {

inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

// A label value inside its quotes: `\` → `\\`, `"` → `\"`, newline → `\n`.
std::string escape_label_value(std::string_view value);
// HELP text: `\` → `\\`, newline → `\n` (quotes are left alone there).
std::string escape_help(std::string_view help);
// A sample value: integers without a fraction, +Inf/-Inf/NaN as Prometheus spells them.
std::string format_value(double value);

// One family: its HELP and TYPE lines, then every series.
void render_family(std::string& out, const CounterFamily& family);
void render_family(std::string& out, const GaugeFamily& family);
void render_family(std::string& out, const HistogramFamily& family);

}  // namespace holdgate::metrics
