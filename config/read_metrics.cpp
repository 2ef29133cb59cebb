// `metrics:` where Prometheus scrapes holdgate. Same reader conventions as the other sections.
#include "config/sections.hpp"

namespace holdgate::config::detail {

MetricsSettings read_metrics(const Entry& e) {
  MetricsSettings metrics;
  Fields fields(e, {"listen"});
  // The port Prometheus' wiki reserves for nothing else we know of; 9312 unless said otherwise.
  if (auto f = fields.require("listen")) metrics.listen = read_address(*f, 9312);
  return metrics;
}

}  // namespace holdgate::config::detail
