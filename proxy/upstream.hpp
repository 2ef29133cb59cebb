// Dialing a target: TCP connect, SSH handshake, host key check against holdgate's known_hosts,
// and public-key authentication as the permitted login. Every failure is one sentence for the
// person who asked.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <variant>

#include "runtime/net.hpp"
#include "policy/access.hpp"
#include "ssh_handles.hpp"
#include "ssh_waiter.hpp"

namespace holdgate::proxy {

struct UpstreamSettings {
  ssh_key identity = nullptr;  // not owned; lives as long as the server
  std::filesystem::path known_hosts;
  std::chrono::seconds connect_timeout{10};
};

struct DialError {
  std::string message;  // "holdgate: db-1 (10.0.0.5:22) is unreachable: connection refused"
};

// Only a LoginPermit opens the way: no code path reaches a target without a passed decision.
// On success the session is authenticated, non-blocking, and watched by `waiter`.
awaitable<std::variant<UpstreamHandle, DialError>> dial_upstream(const policy::LoginPermit& permit,
                                                                const UpstreamSettings& settings,
                                                                SshWaiter& waiter);

}  // namespace holdgate::proxy
