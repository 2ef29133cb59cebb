// Which source a connection counts against: its address, masked to the configured net block
// (sshd's PerSourceNetBlockSize), so one /24 or /64 can be treated as one client.
#pragma once

#include <chrono>
#include <string>

#include "config/config.hpp"

namespace holdgate::limits {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// An IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d; it is that IPv4 address.
config::IpAddress canonical(const config::IpAddress& address);

// The canonical address masked to its family's prefix in `limits`.
config::IpAddress source_block(const config::IpAddress& address, const config::Limits& limits);

// "192.0.2.7", or "192.0.2.0/24" when the net block is wider than one address: for logs.
std::string block_text(const config::IpAddress& block, const config::Limits& limits);

bool contains(const config::Network& network, const config::IpAddress& address);

}  // namespace holdgate::limits
