// What every session shares with the server: settings, the request service, and the admissions
// the server enforces its limits with. Passed in explicitly; nothing here is global.
#pragma once

#include <functional>
#include <memory>

#include "bastion_metrics.hpp"
#include "config/config.hpp"
#include "connected_people.hpp"
#include "escalation.hpp"
#include "key_directory.hpp"
#include "runtime/event_log.hpp"
#include "limits/admission.hpp"
#include "live_sessions.hpp"
#include "recording/writer.hpp"
#include "startup_slot.hpp"
#include "runtime/storage_worker.hpp"
#include "upstream.hpp"

namespace holdgate::proxy {

struct SessionContext {
  // The config now: a session takes the snapshot current when it starts and keeps it for its
  // whole life (its User and Target pointers point into it); a reload replaces this one.
  std::shared_ptr<const config::Config> config;
  UpstreamSettings upstream;
  EventLog& log;
  StorageWorker* storage = nullptr;  // the request service, off the loop; set once the store is open
  std::string approvals_command;  // "ssh -p 2222 approvals@HOST", for messages that say what to run
  WaitingRegistry waiting;  // requests with a person waiting on them live
  // Starts the inner Session of a ProxyJump on `socket` (see Session::JumpOrigin), from the
  // outer connection's source; `startup` counts it against the outer connection.
  std::function<void(StreamSocket socket, std::string source, config::IpAddress address,
                     StartupSlot startup, std::string person, std::string target)>
      start_inner_session;
  // Connections still in key exchange or authentication, by source, and penalties.
  limits::Admissions admissions;
  // Session recording (issue 13): the writer thread, and how many channels' end events still
  // wait for their recording's hash (shutdown waits for them).
  recording::RecordingWriter* recorder = nullptr;
  std::shared_ptr<std::size_t> unfinished_recordings = std::make_shared<std::size_t>(0);
  // The session channels running now, for `session list`, `watch` and `kill` (issue 13,
  // section 2); the Server owns it.
  LiveSessions* live = nullptr;
  // Every authenticated connection by person and key, so a reload can end those it removed.
  ConnectedPeople* people = nullptr;
  BastionMetrics* metrics = nullptr;  // `metrics:` (issue 15); null when off
  // Keys from `keys_command:` (issue 15, section 4), cached across logins; the Server owns it.
  KeyDirectory* keys = nullptr;
};

}  // namespace holdgate::proxy
