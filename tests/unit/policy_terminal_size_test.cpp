// clamp_terminal_size: the sizes a client may announce for its terminal, one row per case.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "policy/terminal_size.hpp"

using holdgate::policy::clamp_terminal_size;
using holdgate::policy::TerminalSize;

namespace {

struct SizeRow {
  std::uint32_t columns, rows;  // as sent
  TerminalSize expected;
};

const std::vector<SizeRow> size_rows = {
    {80, 24, {80, 24}},                  // what OpenSSH sends for a plain terminal
    {1, 1, {1, 1}},
    {0, 0, {0, 0}},                      // not given: stays unknown
    {0, 50, {0, 50}},
    {4096, 4096, {4096, 4096}},          // the bounds themselves
    {4097, 24, {4096, 24}},
    {80, 4097, {80, 4096}},
    {80, 20'000'000, {80, 4096}},        // the pty that stalled the bastion
    {50'000'000, 50'000'000, {4096, 4096}},
    {UINT32_MAX, UINT32_MAX, {4096, 4096}},  // also what libssh's int getters give back for -1
    {0x8000'0000u, 7, {4096, 7}},        // a negative int on libssh's side
};

}  // namespace

TEST_CASE("terminal sizes are cut to what a terminal can be", "[policy][terminal_size]") {
  for (const auto& row : size_rows) {
    INFO(row.columns << "x" << row.rows);
    CHECK(clamp_terminal_size(row.columns, row.rows) == row.expected);
  }
}
