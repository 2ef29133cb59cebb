// policy::sanitize: what may reach a terminal, a log line or Slack. One table row per case.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/sanitize.hpp"

using holdgate::policy::is_hidden_code_point;
using holdgate::policy::sanitize;

namespace {

struct SanitizeRow {
  std::string what;
  std::string input;
  std::string shown;
};

const std::vector<SanitizeRow> sanitize_rows = {
    {"plain text passes", "ticket #123", "ticket #123"},
    {"UTF-8 passes", "naïve ✔ 雪 😀", "naïve ✔ 雪 😀"},
    {"backslash doubled", "a\\b", "a\\\\b"},
    {"short escapes", "\n\r\t", "\\n\\r\\t"},
    {"escape sequences", "\x1b]0;pwned\x07\x1b[2J", "\\x1b]0;pwned\\x07\\x1b[2J"},
    {"NUL and DEL", std::string("a\0b\x7f", 4), "a\\x00b\\x7f"},
    {"C1 CSI byte by byte", "\xc2\x9b" "31m", "\\xc2\\x9b31m"},
    {"invalid UTF-8", "a\xff\xe2\x82", "a\\xff\\xe2\\x82"},
    {"overlong", "\xc0\xaf", "\\xc0\\xaf"},
    // Unicode format characters (general category Cf) and the line/paragraph separators.
    {"right-to-left override", "evil\xe2\x80\xae" "gpj.exe", "evil\\u{202e}gpj.exe"},
    {"bidi embeddings and pop", "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
     "\\u{202a}\\u{202b}\\u{202c}\\u{202d}"},
    {"bidi isolates", "\xe2\x81\xa6x\xe2\x81\xa7y\xe2\x81\xa8z\xe2\x81\xa9",
     "\\u{2066}x\\u{2067}y\\u{2068}z\\u{2069}"},
    {"zero width space, non-joiner, joiner, marks",
     "\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d\xe2\x80\x8e\xe2\x80\x8f",
     "\\u{200b}\\u{200c}\\u{200d}\\u{200e}\\u{200f}"},
    {"word joiner .. invisible plus", "\xe2\x81\xa0\xe2\x81\xa4", "\\u{2060}\\u{2064}"},
    {"deprecated format controls", "\xe2\x81\xaa\xe2\x81\xaf", "\\u{206a}\\u{206f}"},
    {"byte order mark", "\xef\xbb\xbfroot", "\\u{feff}root"},
    {"soft hyphen", "ad\xc2\xadmin", "ad\\u{00ad}min"},
    {"Arabic number sign, letter mark", "\xd8\x80\xd8\x85\xd8\x9c", "\\u{0600}\\u{0605}\\u{061c}"},
    {"Mongolian vowel separator", "\xe1\xa0\x8e", "\\u{180e}"},
    {"interlinear annotation", "\xef\xbf\xb9\xef\xbf\xbb", "\\u{fff9}\\u{fffb}"},
    {"Kaithi number sign", "\xf0\x91\x82\xbd", "\\u{110bd}"},
    {"shorthand format controls", "\xf0\x9b\xb2\xa0\xf0\x9b\xb2\xa3", "\\u{1bca0}\\u{1bca3}"},
    {"musical symbol format", "\xf0\x9d\x85\xb3\xf0\x9d\x85\xba", "\\u{1d173}\\u{1d17a}"},
    {"language tag and tag characters", "\xf3\xa0\x80\x81\xf3\xa0\x80\xa0\xf3\xa0\x81\xbf",
     "\\u{e0001}\\u{e0020}\\u{e007f}"},
    {"line and paragraph separators", "a\xe2\x80\xa8" "b\xe2\x80\xa9", "a\\u{2028}b\\u{2029}"},
    // Neighbours of the table's ranges are ordinary characters.
    {"neighbours pass", "\xe2\x80\x90\xe2\x80\xa9" "\xe2\x80\xaf", "\xe2\x80\x90\\u{2029}\xe2\x80\xaf"},
    {"en dash and ellipsis pass", "\xe2\x80\x93\xe2\x80\xa6", "\xe2\x80\x93\xe2\x80\xa6"},
    {"U+2065 (unassigned) passes", "\xe2\x81\xa5", "\xe2\x81\xa5"},
};

}  // namespace

TEST_CASE("sanitize table", "[sanitize]") {
  const SanitizeRow row = GENERATE(from_range(sanitize_rows));
  CAPTURE(row.what);
  CHECK(sanitize(row.input) == row.shown);
}

TEST_CASE("is_hidden_code_point: the edges of every Cf range", "[sanitize]") {
  struct Edge {
    char32_t code_point;
    bool hidden;
  };
  const std::vector<Edge> edges = {
      {0x1f, true},     {0x20, false},    {0x7e, false},    {0x7f, true},     {0x9f, true},
      {0xa0, false},    {0xac, false},    {0xad, true},     {0xae, false},    {0x5ff, false},
      {0x600, true},    {0x605, true},    {0x606, false},   {0x200a, false},  {0x200b, true},
      {0x200f, true},   {0x2010, false},  {0x2027, false},  {0x2028, true},   {0x2029, true},
      {0x202a, true},   {0x202e, true},   {0x202f, false},  {0x205f, false},  {0x2060, true},
      {0x2064, true},   {0x2065, false},  {0x2066, true},   {0x206f, true},   {0x2070, false},
      {0xfefe, false},  {0xfeff, true},   {0xff00, false},  {0xfff8, false},  {0xfff9, true},
      {0xfffb, true},   {0xfffc, false},  {0x110bc, false}, {0x110bd, true},  {0x1d172, false},
      {0x1d173, true},  {0x1d17a, true},  {0x1d17b, false}, {0xe0000, false}, {0xe0001, true},
      {0xe0002, false}, {0xe001f, false}, {0xe0020, true},  {0xe007f, true},  {0xe0080, false},
  };
  for (const auto& edge : edges) {
    CAPTURE(static_cast<unsigned>(edge.code_point));
    CHECK(is_hidden_code_point(edge.code_point) == edge.hidden);
  }
}
