#include "sanitize.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>

namespace holdgate::policy {
namespace {

struct CodePointRange {
  char32_t first, last;
};

// Every code point of general category Cf (format), Unicode 14.0, generated with
//   python3 -c 'import unicodedata as u; print([hex(c) for c in range(0x110000)
//                                              if u.category(chr(c)) == "Cf"])'
// and merged into ranges. Sorted, for the binary search below.
constexpr CodePointRange format_characters[] = {
    {0x00ad, 0x00ad},   {0x0600, 0x0605},   {0x061c, 0x061c},   {0x06dd, 0x06dd},
    {0x070f, 0x070f},   {0x0890, 0x0891},   {0x08e2, 0x08e2},   {0x180e, 0x180e},
    {0x200b, 0x200f},   {0x202a, 0x202e},   {0x2060, 0x2064},   {0x2066, 0x206f},
    {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
    {0x13430, 0x13438}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0001, 0xe0001},
    {0xe0020, 0xe007f},
};

bool is_format_character(char32_t cp) {
  auto after = std::upper_bound(std::begin(format_characters), std::end(format_characters), cp,
                                [](char32_t value, const CodePointRange& r) { return value < r.first; });
  return after != std::begin(format_characters) && cp <= std::prev(after)->last;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

void append_hex(std::string& out, unsigned char byte) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  out += buf;
}

void append_code_point(std::string& out, char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
  out += buf;
}

}  // namespace

std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& code_point) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3
                           : (lead >> 3) == 0x1e ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  char32_t cp = length == 1 ? lead : lead & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr char32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_length[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  code_point = cp;
  return length;
}

bool is_hidden_code_point(char32_t cp) {
  return is_control(cp) || cp == 0x2028 || cp == 0x2029 || is_format_character(cp);
}

std::string sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    char32_t cp = 0;
    const std::size_t length = decode_utf8(text, i, cp);
    // Controls (C1 too: they act as escape introducers on some terminals) and invalid bytes
    // are shown byte by byte, as the bytes are what a terminal would have acted on.
    if (length == 0 || is_control(cp)) {
      for (std::size_t k = 0; k < std::max<std::size_t>(length, 1); ++k) {
        append_hex(out, static_cast<unsigned char>(text[i + k]));
      }
      i += std::max<std::size_t>(length, 1);
      continue;
    }
    if (is_hidden_code_point(cp)) {
      append_code_point(out, cp);
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace holdgate::policy
