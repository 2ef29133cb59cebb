// What every session shares with the server: settings, the request service, and the counter
// the server needs to enforce its limits. Passed in explicitly; nothing here is global.
#pragma once

#include "approvals/service.hpp"
#include "config/config.hpp"
#include "escalation.hpp"
#include "event_log.hpp"
#include "upstream.hpp"

namespace holdgate::proxy {

struct SessionContext {
  const config::Config& config;
  UpstreamSettings upstream;
  EventLog& log;
  approvals::RequestService* requests = nullptr;  // set once the store is open
  std::string approvals_command;
  WaitingRegistry waiting;  // requests with a person waiting on them live  // "ssh -p 2222 approvals@HOST", for messages that say what to run
  int unauthenticated = 0;  // connections still in key exchange or authentication
};

}  // namespace holdgate::proxy
