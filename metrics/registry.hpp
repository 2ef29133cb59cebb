// Prometheus metrics held in memory: counters, gauges and histograms, each a family with a fixed
// list of label names and one series per list of label values. Pure values, no I/O and no locks:
// every update runs on the event loop (a value found on another thread is posted there first).
// render() writes the text exposition format 0.0.4 (exposition.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <type_traits>
#include <memory>
#include <string>
#include <vector>

namespace holdgate::metrics {

using LabelValues = std::vector<std::string>;

enum class Kind { counter, gauge, histogram };

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_ += n; }
  std::uint64_t value() const { return value_; }

 private:
  std::uint64_t value_ = 0;
};

class Gauge {
 public:
  void set(double v) { value_ = v; }
  void add(double v) { value_ += v; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds) : bounds_(bounds), counts_(bounds->size(), 0) {}
  void observe(double v);
  const std::vector<double>& bounds() const { return *bounds_; }
  // Per bucket, not cumulative (the renderer sums them); the +Inf bucket is count().
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  const std::vector<double>* bounds_;  // the family's, ascending
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// One metric name: its help text, label names and series. Series are created on first use, or
// in advance with the same call so that a value of 0 is visible before the first event.
template <typename Series>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels, Kind kind,
         std::vector<double> bounds = {})
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), kind_(kind),
        bounds_(std::move(bounds)) {}

  // `values` must have one value per label name (anything else is a programming error: the
  // values are padded or cut so the output stays valid).
  Series& with(LabelValues values = {}) {
    values.resize(labels_.size());
    auto it = series_.find(values);
    if (it == series_.end()) it = series_.emplace(std::move(values), make()).first;
    return it->second;
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labels() const { return labels_; }
  Kind kind() const { return kind_; }
  const std::map<LabelValues, Series>& series() const { return series_; }

 private:
  Series make() const {
    if constexpr (std::is_same_v<Series, Histogram>) {
      return Histogram(&bounds_);
    } else {
      return Series{};
    }
  }

  std::string name_, help_;
  std::vector<std::string> labels_;
  Kind kind_;
  std::vector<double> bounds_;
  std::map<LabelValues, Series> series_;  // sorted, so the output order is stable
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Owns the families, in the order they were added (the order they are rendered in). References
// returned stay valid for the registry's life.
class Registry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  // `bounds`: the buckets' upper bounds, ascending; +Inf is implied.
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> bounds,
                             std::vector<std::string> labels = {});

  // Runs before every render: gauges read from live state (sessions, queues) are set here,
  // rather than kept up to date on every change.
  void on_collect(std::function<void()> collector) { collectors_.push_back(std::move(collector)); }

  // Runs the collectors, then writes every family in the text format 0.0.4.
  std::string render();

  struct Entry {
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };

 private:
  std::vector<Entry> families_;
  std::vector<std::function<void()>> collectors_;
};

}  // namespace holdgate::metrics
