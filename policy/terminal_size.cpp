#include "terminal_size.hpp"

#include <algorithm>

namespace holdgate::policy {

TerminalSize clamp_terminal_size(std::uint32_t columns, std::uint32_t rows) {
  return {std::min(columns, max_terminal_columns), std::min(rows, max_terminal_rows)};
}

}  // namespace holdgate::policy
