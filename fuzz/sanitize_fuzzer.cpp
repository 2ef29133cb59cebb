// The sanitiser (policy/sanitize.hpp), its JSON twin (approvals/json.hpp json_quote) and its
// HTML twin (web/html.hpp escape_html, url_segment): what they give back must never move a
// cursor, change colours, hide text or leave its place in a page, whatever came in.
#include <string>

#include "approvals/json.hpp"
#include "approvals/json_reader.hpp"
#include "fuzz_check.hpp"
#include "policy/sanitize.hpp"
#include "web/html.hpp"
#include "web/pages.hpp"

namespace {

using holdgate::fuzz::as_text;
using holdgate::fuzz::valid_utf8;
using holdgate::fuzz::has_no_control_bytes;
namespace policy = holdgate::policy;
namespace ap = holdgate::approvals;

// Every position starts a valid UTF-8 sequence of a code point that shows as itself.
bool only_visible_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t length = policy::decode_utf8(text, i, cp);
    if (length == 0 || policy::is_hidden_code_point(cp)) return false;
    i += length;
  }
  return true;
}

// What escape_html gives back: visible UTF-8 (newline and tab aside) with no character that
// could end an attribute or start a tag.
bool safe_html_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t length = policy::decode_utf8(text, i, cp);
    if (length == 0) return false;
    if (cp == '<' || cp == '>' || cp == '"' || cp == '\'') return false;
    if (policy::is_hidden_code_point(cp) && cp != '\n' && cp != '\t') return false;
    i += length;
  }
  return true;
}

bool url_safe(std::string_view text) {
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);

  const std::string clean = policy::sanitize(text);
  FUZZ_CHECK(has_no_control_bytes(clean));
  FUZZ_CHECK(only_visible_utf8(clean));
  // Shown text only grows: every input byte is either kept or written as an escape.
  FUZZ_CHECK(clean.size() >= text.size());
  // Nothing to escape means nothing changes.
  if (only_visible_utf8(text) && text.find('\\') == std::string_view::npos) FUZZ_CHECK(clean == text);

  // json_quote: always one JSON string the strict reader takes, with nothing hidden in it, and
  // for valid UTF-8 the very text that went in.
  const std::string quoted = ap::json_quote(text);
  FUZZ_CHECK(has_no_control_bytes(quoted));
  FUZZ_CHECK(only_visible_utf8(quoted));
  auto parsed = ap::parse_json(quoted);
  FUZZ_CHECK(std::holds_alternative<ap::JsonValue>(parsed));
  const std::string* back = std::get<ap::JsonValue>(parsed).as_string();
  FUZZ_CHECK(back != nullptr);
  if (valid_utf8(text)) FUZZ_CHECK(*back == text);

  // escape_html (the reviewer web page): only text, in any element or quoted attribute.
  const std::string html = holdgate::web::escape_html(text);
  FUZZ_CHECK(safe_html_text(html));
  FUZZ_CHECK(html.size() >= text.size() || !valid_utf8(text));
  const std::string segment = holdgate::web::url_segment(text);
  FUZZ_CHECK(url_safe(segment));
  FUZZ_CHECK(segment != "." && segment != "..");
  return 0;
}
