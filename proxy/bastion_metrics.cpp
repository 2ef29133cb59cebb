#include "bastion_metrics.hpp"

#include <algorithm>
#include <string>

#include "holdgate/version.hpp"

namespace holdgate::proxy {
namespace {

std::string_view field(const std::vector<EventLog::Field>& fields, std::string_view key) {
  for (const auto& [name, value] : fields) {
    if (name == key) return value;
  }
  return {};
}

// The decision log's words, as results people read on a dashboard.
std::string_view login_result(std::string_view decided) {
  if (decided == "allow") return "allowed";
  if (decided == "deny") return "denied";
  return decided;  // locked, unknown-target, bad-user-name, storage-unreachable
}

}  // namespace

std::string_view refusal_reason_label(std::string_view sentence) {
  if (sentence == "too many unauthenticated connections") return "max-startups";
  if (sentence == "too many unauthenticated connections from this source") return "per-source";
  if (sentence == "many unauthenticated connections, dropped at random") return "random-early-drop";
  return "penalty";
}

BastionMetrics::BastionMetrics()
    : live_(registry_.gauge("holdgate_sessions_live", "Session channels relaying to a target now.")),
      held_(registry_.gauge("holdgate_sessions_held",
                            "Connections held open while their access request is pending.")),
      logins_(registry_.counter("holdgate_logins_total",
                                "Login decisions by result; escalation-* are the ends of held logins.",
                                {"result"})),
      auth_failures_(registry_.counter(
          "holdgate_auth_failures_total",
          "Connections that ended without authenticating: refused (keys offered and refused), "
          "no-attempt (gone before trying), login-grace (too slow), other.",
          {"reason"})),
      refusals_(registry_.counter("holdgate_preauth_refusals_total",
                                  "Connections refused by the limits before authentication, by reason.",
                                  {"reason"})),
      requests_(registry_.counter("holdgate_requests_total",
                                  "Access requests that entered each state on this bastion.", {"state"})),
      decision_seconds_(registry_.histogram(
          "holdgate_request_decision_seconds", "Time from a request's creation to its approval or denial.",
          {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400}, {"result"})),
      webhook_queue_(registry_.gauge("holdgate_webhook_queue_depth",
                                     "Webhook deliveries waiting to be sent, all webhooks together.")),
      webhook_failures_(registry_.counter("holdgate_webhook_failures_total",
                                          "Webhook deliveries given up (failed) or dropped (queue full).",
                                          {"reason"})),
      hooks_(registry_.counter("holdgate_hook_results_total",
                               "Approval hook runs by result (failed: the hook broke; counted as none).",
                               {"result"})),
      dial_(&registry_
                 .histogram("holdgate_upstream_dial_seconds",
                            "Time to connect to a target and authenticate to it, successful or not.",
                            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})
                 .with()) {
  auto& bytes = registry_.counter("holdgate_relayed_bytes_total",
                                  "Bytes relayed on session channels, counted when a channel ends.",
                                  {"direction"});
  to_target_ = &bytes.with({"to_target"});
  from_target_ = &bytes.with({"from_target"});
  registry_.gauge("holdgate_build_info", "holdgate's version; always 1.", {"version"})
      .with({holdgate::version})
      .set(1);
  // The common series exist from the start, so a rate() sees their first increment.
  for (const char* result : {"allowed", "denied", "escalation-approved", "escalation-refused"}) {
    logins_.with({result});
  }
  for (const char* reason : {"refused", "no-attempt", "login-grace", "other"}) auth_failures_.with({reason});
  for (const char* reason : {"max-startups", "per-source", "random-early-drop", "penalty"}) {
    refusals_.with({reason});
  }
  for (const char* state : {"pending", "approved", "denied", "expired", "cancelled", "revoked", "dropped"}) {
    requests_.with({state});
  }
  for (const char* reason : {"failed", "dropped"}) webhook_failures_.with({reason});
  for (const char* result : {"approved", "denied"}) decision_seconds_.with({result});
  live_.with();
  held_.with();
  webhook_queue_.with();
}

void BastionMetrics::watch(std::function<double()> sessions_live, std::function<double()> sessions_held,
                           std::function<double()> webhook_queue_depth) {
  registry_.on_collect([this, live = std::move(sessions_live), held = std::move(sessions_held),
                        queue = std::move(webhook_queue_depth)] {
    live_.with().set(live());
    held_.with().set(held());
    webhook_queue_.with().set(queue());
  });
}

void BastionMetrics::on_event(std::string_view event, const std::vector<EventLog::Field>& fields) {
  if (event == "decision") {
    logins_.with({std::string(login_result(field(fields, "result")))}).add();
  } else if (event == "escalation") {
    logins_.with({"escalation-" + std::string(field(fields, "result"))}).add();
  } else if (event == "hook") {
    bool broke = !field(fields, "problem").empty() && field(fields, "applied").empty();
    hooks_.with({broke ? std::string("failed") : std::string(field(fields, "result"))}).add();
  } else if (event == "webhook-failed") {
    webhook_failures_.with({"failed"}).add();
  } else if (event == "webhook-dropped") {
    webhook_failures_.with({"dropped"}).add();
  }
}

void BastionMetrics::on_request_change(const approvals::RequestChange& change,
                                       std::chrono::system_clock::time_point now) {
  if (change.remote || change.lock) return;
  std::string_view prefix = "request.";
  if (!change.event.starts_with(prefix)) return;
  auto what = std::string_view(change.event).substr(prefix.size());
  static constexpr std::string_view states[] = {"approved", "denied", "expired", "cancelled",
                                                "revoked", "dropped"};
  if (what == "created") {
    requests_.with({"pending"}).add();
    return;
  }
  for (auto state : states) {
    if (what != state) continue;
    requests_.with({std::string(state)}).add();
    if (state == "approved" || state == "denied") {
      decision_seconds_.with({std::string(state)})
          .observe(std::max(0.0, std::chrono::duration<double>(now - change.request.created).count()));
    }
  }
}

void BastionMetrics::on_auth_failure(limits::Offence offence) {
  using limits::Offence;
  const char* reason = offence == Offence::auth_failed      ? "refused"
                       : offence == Offence::no_auth        ? "no-attempt"
                       : offence == Offence::grace_exceeded ? "login-grace"
                                                            : "other";
  auth_failures_.with({reason}).add();
}

void BastionMetrics::on_preauth_refusal(std::string_view reason) {
  refusals_.with({std::string(refusal_reason_label(reason))}).add();
}

}  // namespace holdgate::proxy
