// What every session shares with the server: read-only settings plus the two counters the
// server needs to enforce its limits. Passed in explicitly; nothing here is global.
#pragma once

#include "config/config.hpp"
#include "event_log.hpp"
#include "upstream.hpp"

namespace holdgate::proxy {

struct SessionContext {
  const config::Config& config;
  UpstreamSettings upstream;
  EventLog& log;
  int unauthenticated = 0;  // connections still in key exchange or authentication
};

}  // namespace holdgate::proxy
