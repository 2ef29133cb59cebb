#include "metrics/exposition.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace holdgate::metrics {
namespace {

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + escape_help(help) + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

// `{a="1",b="2"}`, with `extra` (le="...") last; nothing at all when there are no labels.
std::string label_set(const std::vector<std::string>& names, const LabelValues& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += std::string(extra_name) + "=\"" + escape_label_value(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

std::string format_count(std::uint64_t n) { return std::to_string(n); }

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  // %.17g may print 0.10000000000000001: take the shortest text that reads back the same.
  for (int precision = 1; precision <= 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, value);
    if (std::strtod(shorter, nullptr) == value) return shorter;
  }
  return buf;
}

void render_family(std::string& out, const CounterFamily& family) {
  header(out, family.name(), family.help(), "counter");
  for (const auto& [values, counter] : family.series()) {
    out += family.name() + label_set(family.labels(), values) + " " + format_count(counter.value()) + "\n";
  }
}

void render_family(std::string& out, const GaugeFamily& family) {
  header(out, family.name(), family.help(), "gauge");
  for (const auto& [values, gauge] : family.series()) {
    out += family.name() + label_set(family.labels(), values) + " " + format_value(gauge.value()) + "\n";
  }
}

void render_family(std::string& out, const HistogramFamily& family) {
  header(out, family.name(), family.help(), "histogram");
  for (const auto& [values, histogram] : family.series()) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.bounds().size(); ++i) {
      cumulative += histogram.counts()[i];
      out += family.name() + "_bucket" +
             label_set(family.labels(), values, "le", format_value(histogram.bounds()[i])) + " " +
             format_count(cumulative) + "\n";
    }
    out += family.name() + "_bucket" + label_set(family.labels(), values, "le", "+Inf") + " " +
           format_count(histogram.count()) + "\n";
    out += family.name() + "_sum" + label_set(family.labels(), values) + " " +
           format_value(histogram.sum()) + "\n";
    out += family.name() + "_count" + label_set(family.labels(), values) + " " +
           format_count(histogram.count()) + "\n";
  }
}

}  // namespace holdgate::metrics
