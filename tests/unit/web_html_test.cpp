// escape_html, url_segment and the small helpers of web/html.hpp and web/page_parts.hpp:
// hostile text in, nothing raw out.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "web/html.hpp"
#include "web/page_parts.hpp"
#include "web/pages.hpp"

using namespace holdgate;
using web::escape_html;

TEST_CASE("escape_html turns markup characters into entities", "[web]") {
  CHECK(escape_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(escape_html("\"><img src=x onerror=alert(1)>") ==
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  CHECK(escape_html("a & b 'c'") == "a &amp; b &#39;c&#39;");
  CHECK(escape_html("&amp;") == "&amp;amp;");
}

TEST_CASE("escape_html shows controls and bidi overrides as visible escapes", "[web]") {
  CHECK(escape_html(std::string("a\0b", 3)) == "a\\u0000b");
  CHECK(escape_html("\x1b[31mred") == "\\u001B[31mred");
  CHECK(escape_html("\r") == "\\u000D");
  CHECK(escape_html("\x7f") == "\\u007F");
  CHECK(escape_html("\xC2\x85") == "\\u0085");  // C1 NEL
  // U+202A-202E, U+2066-2069, U+200E/U+200F, zero-width and the BOM.
  const char* hidden[][2] = {
      {"\xE2\x80\xAA", "\\u202A"}, {"\xE2\x80\xAE", "\\u202E"}, {"\xE2\x81\xA6", "\\u2066"},
      {"\xE2\x81\xA9", "\\u2069"}, {"\xE2\x80\x8E", "\\u200E"}, {"\xE2\x80\x8F", "\\u200F"},
      {"\xE2\x80\x8B", "\\u200B"}, {"\xEF\xBB\xBF", "\\uFEFF"}, {"\xE2\x80\xA8", "\\u2028"},
  };
  for (const auto& [raw, shown] : hidden) {
    CAPTURE(shown);
    CHECK(escape_html(std::string("x") + raw + "y") == std::string("x") + shown + "y");
  }
  CHECK(escape_html("line\nnext\ttab") == "line\nnext\ttab");  // only whitespace in HTML
}

TEST_CASE("escape_html replaces bytes that are not UTF-8 with U+FFFD", "[web]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(escape_html("\xFF") == fffd);
  CHECK(escape_html("\xC3\x28") == fffd + "(");
  CHECK(escape_html("\xC0\xBC") == fffd + fffd);           // overlong '<'
  CHECK(escape_html("\xED\xA0\x80") == fffd + fffd + fffd);  // a surrogate
  CHECK(escape_html("\xE2\x82") == fffd + fffd);            // cut short
  CHECK(escape_html("caf\xC3\xA9 \xE2\x9C\x94 \xF0\x9F\x94\x91") == "caf\xC3\xA9 \xE2\x9C\x94 \xF0\x9F\x94\x91");
}

TEST_CASE("url_segment keeps a UUID and percent-encodes everything else", "[web]") {
  CHECK(web::url_segment("9c721e54-b049-4ef8-a7f6-c777aa066764") == "9c721e54-b049-4ef8-a7f6-c777aa066764");
  CHECK(web::url_segment("../x?y#z") == "..%2Fx%3Fy%23z");
  CHECK(web::url_segment("..") == "%2E%2E");
  CHECK(web::url_segment(".") == "%2E");
  CHECK(web::url_segment("\"><script>") == "%22%3E%3Cscript%3E");
  CHECK(web::url_segment("a b\xFF") == "a%20b%FF");
  CHECK(web::request_path("x/y") == "/requests/x%2Fy");
}

TEST_CASE("is_uuid and is_local_path", "[web]") {
  CHECK(web::is_uuid("9c721e54-b049-4ef8-a7f6-c777aa066764"));
  CHECK_FALSE(web::is_uuid("9C721E54-B049-4EF8-A7F6-C777AA066764"));
  CHECK_FALSE(web::is_uuid("9c721e54-b049-4ef8-a7f6-c777aa06676"));
  CHECK_FALSE(web::is_uuid("9c721e54xb049-4ef8-a7f6-c777aa066764"));
  CHECK(web::is_local_path("/"));
  CHECK(web::is_local_path("/requests/abc"));
  CHECK_FALSE(web::is_local_path(""));
  CHECK_FALSE(web::is_local_path("javascript:alert(1)"));
  CHECK_FALSE(web::is_local_path("//evil.example/"));
  CHECK_FALSE(web::is_local_path("/\\evil.example/"));
  CHECK_FALSE(web::is_local_path("https://evil.example/"));
  CHECK_FALSE(web::is_local_path("/a\nb"));
}

TEST_CASE("rough_duration rounds the way people say it", "[web]") {
  using namespace std::chrono;
  CHECK(web::rough_duration(seconds(45)) == "45s");
  CHECK(web::rough_duration(seconds(14 * 60 + 20)) == "14m");
  CHECK(web::rough_duration(seconds(14 * 60 + 40)) == "15m");
  CHECK(web::rough_duration(minutes(90)) == "90m");
  CHECK(web::rough_duration(minutes(150)) == "3h");
  CHECK(web::rough_duration(hours(47)) == "47h");
  CHECK(web::rough_duration(hours(60)) == "3d");
}

TEST_CASE("time_ago and time_until say it in words with the exact time alongside", "[web]") {
  using namespace std::chrono;
  const storage::TimePoint now{seconds(1795500000)};
  CHECK(web::time_ago(now, now - seconds(10)).find(">just now</time>") != std::string::npos);
  CHECK(web::time_ago(now, now - minutes(6)).find(">6m ago</time>") != std::string::npos);
  const auto until = web::time_until(now, now + minutes(14));
  CHECK(until.find(">in 14m</time>") != std::string::npos);
  CHECK(until.find("datetime=\"2026-11-24T06:14:00Z\"") != std::string::npos);
  CHECK(web::time_until(now, now - minutes(1)).find(">now</time>") != std::string::npos);
}
