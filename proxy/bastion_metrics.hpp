// holdgate's own metrics (issue 15, section 5): the families in the registry and how the
// bastion's events feed them. Most values come from events already named elsewhere: the event
// log's lines (logins, authentication failures, hooks, webhooks) and the request service's
// changes; the rest are a direct call where nothing is logged (pre-auth refusals, whose log is
// rate limited), a timer around the dial, and a per-channel byte count added at the channel's
// end. Everything here runs on the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "approvals/request_events.hpp"
#include "runtime/event_log.hpp"
#include "limits/penalties.hpp"
#include "metrics/registry.hpp"

namespace holdgate::proxy {

class BastionMetrics {
 public:
  BastionMetrics();

  // An event log line (EventLog's tap): logins, hook results, webhook failures.
  void on_event(std::string_view event, const std::vector<EventLog::Field>& fields);
  // A request change this bastion made (other bastions' are theirs to count).
  void on_request_change(const approvals::RequestChange& change,
                         std::chrono::system_clock::time_point now);
  // A connection the limits refused before authentication, with the limits' reason sentence.
  void on_preauth_refusal(std::string_view reason);
  // A connection that ended without authenticating, by what its source's penalty counts it as.
  void on_auth_failure(limits::Offence offence);
  void on_dial(std::chrono::steady_clock::duration took) {
    dial_->observe(std::chrono::duration<double>(took).count());
  }
  // A channel's bytes, added once at its end: nothing on the relay's per-read path.
  void on_relayed(std::uint64_t to_target, std::uint64_t from_target) {
    to_target_->add(to_target);
    from_target_->add(from_target);
  }

  // Gauges read from live state at each scrape.
  void watch(std::function<double()> sessions_live, std::function<double()> sessions_held,
             std::function<double()> webhook_queue_depth);

  std::string render() { return registry_.render(); }

 private:
  metrics::Registry registry_;
  metrics::GaugeFamily& live_;
  metrics::GaugeFamily& held_;
  metrics::CounterFamily& logins_;
  metrics::CounterFamily& auth_failures_;
  metrics::CounterFamily& refusals_;
  metrics::CounterFamily& requests_;
  metrics::HistogramFamily& decision_seconds_;
  metrics::GaugeFamily& webhook_queue_;
  metrics::CounterFamily& webhook_failures_;
  metrics::CounterFamily& hooks_;
  metrics::Histogram* dial_;
  metrics::Counter* to_target_;
  metrics::Counter* from_target_;
};

// The short label for a limits/ refusal sentence: max-startups, per-source, random-early-drop,
// or penalty (a penalised source's sentences vary with the offence).
std::string_view refusal_reason_label(std::string_view sentence);

}  // namespace holdgate::proxy
