// Strings people type (user names, reasons) reach other people's terminals and the logs.
// Before they do, control characters and escape sequences are made visible and harmless.
#pragma once

#include <string>
#include <string_view>

namespace holdgate::policy {

// Returns `text` with every control character (C0, DEL, C1) and every byte that is not valid
// UTF-8 written as a visible escape (\n, \t, \x1b, ...) and backslashes doubled, so the result
// can never move a cursor, change colours or fake a line. Printable UTF-8 passes through.
std::string sanitize(std::string_view text);

}  // namespace holdgate::policy
