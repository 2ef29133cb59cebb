// Escaping for the reviewer pages. UTF-8 is decoded with policy::decode_utf8 and judged with
// policy::is_hidden_code_point, so the web page and the terminal agree on what is unsafe.
#include "web/html.hpp"

#include <cstdio>

#include "policy/sanitize.hpp"
#include "web/pages.hpp"

namespace holdgate::web {
namespace {

// "\u202E", "\u0000": what a hidden code point looks like on the page.
void append_visible_escape(std::string& out, char32_t code_point) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(code_point));
  out += buf;
}

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      // Line breaks and tabs are only whitespace in HTML: they cannot move or hide text.
      case '\n': case '\t': out += c; ++i; continue;
      default: break;
    }
    char32_t code_point = 0;
    const std::size_t length = policy::decode_utf8(text, i, code_point);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that does not start valid UTF-8
      ++i;
      continue;
    }
    if (policy::is_hidden_code_point(code_point)) {
      append_visible_escape(out, code_point);
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string url_segment(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    // "." and ".." alone would be path steps, not names.
    if (unreserved && !(c == '.' && (text == "." || text == ".."))) {
      out += c;
    } else {
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    }
  }
  return out;
}

std::string request_path(std::string_view id) { return "/requests/" + url_segment(id); }

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_hex_digit(text[i])) return false;
  }
  return true;
}

bool is_local_path(std::string_view text) {
  if (text.empty() || text[0] != '/') return false;
  if (text.size() > 1 && (text[1] == '/' || text[1] == '\\')) return false;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '\\') return false;
  }
  return true;
}

}  // namespace holdgate::web
