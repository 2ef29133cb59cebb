// Terminal sizes as clients announce them (RFC 4254 pty-req and window-change: uint32 columns
// and rows, whatever the client likes). holdgate sizes screens from them and passes them on to
// targets, so a size is bounded where it enters: no real terminal comes near the bounds, and
// a menu redraw or a target's pty stays small whatever a client claims.
#pragma once

#include <cstdint>

namespace holdgate::policy {

// A wall of 8K screens in a tiny font is still under these; more is a lie, not a terminal.
inline constexpr std::uint32_t max_terminal_columns = 4096;
inline constexpr std::uint32_t max_terminal_rows = 4096;

struct TerminalSize {
  std::uint32_t columns = 0;  // 0: not given (RFC 4254 6.2), left to whoever draws
  std::uint32_t rows = 0;
  bool operator==(const TerminalSize&) const = default;
};

// `columns` and `rows` as sent on the wire, each cut to its bound; 0 stays 0.
TerminalSize clamp_terminal_size(std::uint32_t columns, std::uint32_t rows);

}  // namespace holdgate::policy
