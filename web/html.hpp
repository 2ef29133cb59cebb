// Text into HTML and into URLs, for the reviewer pages (web/pages.hpp declares escape_html).
// Everything here is about hostile input: names, reasons, ids and audit details may hold markup,
// quotes, control characters, bidi overrides or bytes that are not UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace holdgate::web {

// One path segment, percent-encoded: every byte but A-Z a-z 0-9 - . _ ~ becomes %XX, so a
// UUID passes unchanged and "../x?y" cannot leave its segment. The result is also safe in a
// double-quoted attribute as it is.
std::string url_segment(std::string_view text);

// "/requests/ID" with ID as one url_segment.
std::string request_path(std::string_view id);

// True for a lowercase UUID as holdgate makes them (8-4-4-4-12 hex digits).
bool is_uuid(std::string_view text);

// True for a same-origin path ("/", "/requests/ID"): starts with one "/", not "//" or "/\",
// no control characters. Links the pages are given must be such paths (never "javascript:").
bool is_local_path(std::string_view text);

}  // namespace holdgate::web
