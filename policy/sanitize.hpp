// Strings people type (user names, reasons) and strings targets send (banners, disconnect and
// error texts) reach other people's terminals and the logs. Before they do, control characters,
// escape sequences and invisible formatting characters are made visible and harmless.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace holdgate::policy {

// Returns `text` with every control character (C0, DEL, C1) and every byte that is not valid
// UTF-8 written as a visible escape (\n, \t, \x1b, ...), every format character (Unicode
// category Cf: bidi overrides and isolates, zero-width characters, the BOM, ...) and the line
// and paragraph separators U+2028/U+2029 as \u{202e}, and backslashes doubled, so the result
// can never move a cursor, change colours, fake a line or reorder and hide text. Other
// printable UTF-8 passes through.
std::string sanitize(std::string_view text);

// Decodes the UTF-8 sequence at text[i]: its length (1-4) with `code_point` set, or 0 when the
// bytes there are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF too).
std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& code_point);

// True for code points that act on the text around them instead of showing as a character:
// C0 and C1 controls, DEL, format characters (Cf) and U+2028/U+2029. JSON output escapes the
// same set, so both kinds of output agree on what is unsafe.
bool is_hidden_code_point(char32_t code_point);

}  // namespace holdgate::policy
