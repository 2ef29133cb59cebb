#include "metrics/registry.hpp"

#include <algorithm>

#include "metrics/exposition.hpp"

namespace holdgate::metrics {

void Histogram::observe(double v) {
  // The first bucket whose upper bound holds v; above them all, only +Inf (count_) has it.
  auto it = std::lower_bound(bounds_->begin(), bounds_->end(), v);
  if (it != bounds_->end()) ++counts_[static_cast<std::size_t>(it - bounds_->begin())];
  ++count_;
  sum_ += v;
}

CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  auto& entry = families_.emplace_back();
  entry.counter = std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels),
                                                  Kind::counter);
  return *entry.counter;
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  auto& entry = families_.emplace_back();
  entry.gauge = std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(labels),
                                              Kind::gauge);
  return *entry.gauge;
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                     std::vector<std::string> labels) {
  std::sort(bounds.begin(), bounds.end());
  auto& entry = families_.emplace_back();
  entry.histogram = std::make_unique<HistogramFamily>(std::move(name), std::move(help),
                                                      std::move(labels), Kind::histogram,
                                                      std::move(bounds));
  return *entry.histogram;
}

std::string Registry::render() {
  for (auto& collect : collectors_) collect();
  std::string out;
  for (const auto& entry : families_) {
    if (entry.counter) render_family(out, *entry.counter);
    if (entry.gauge) render_family(out, *entry.gauge);
    if (entry.histogram) render_family(out, *entry.histogram);
  }
  return out;
}

}  // namespace holdgate::metrics
