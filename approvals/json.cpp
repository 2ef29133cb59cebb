#include "approvals/json.hpp"

#include <bit>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstring>

#include "policy/sanitize.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace holdgate::approvals {
namespace {

// \uXXXX, or a surrogate pair for code points past the Basic Multilingual Plane.
void append_u(std::string& out, char32_t code_point) {
  if (code_point > 0xffff) {
    code_point -= 0x10000;
    append_u(out, 0xd800 + (code_point >> 10));
    append_u(out, 0xdc00 + (code_point & 0x3ff));
    return;
  }
  // By hand, not snprintf: a recording of binary output escapes every other byte this way.
  static constexpr char hex[] = "0123456789abcdef";
  const char escaped[6] = {'\\', 'u', hex[(code_point >> 12) & 0xf], hex[(code_point >> 8) & 0xf],
                           hex[(code_point >> 4) & 0xf], hex[code_point & 0xf]};
  out.append(escaped, sizeof escaped);
}

// Printable ASCII but the quote and the backslash: copied as it is, a run at a time.
bool plain_ascii(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

// Whether all eight bytes of `w` are plain_ascii, a word at a time: a terminal recording is
// mostly such runs, and a byte at a time the scan cost ~1.5 ns a byte, most of the writer
// thread's time at a fast terminal's rate. Exact: a byte that is not plain always shows.
bool all_plain_ascii(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto has_zero = [](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
  // A byte below 0x20: (b - 0x20) borrows into its high bit while b's own is clear. A borrow
  // from a lower byte only happens where that byte itself was below 0x20.
  bool control = ((w - 0x20 * ones) & ~w & highs) != 0;
  // A byte at 0x7f or above: its high bit is set after adding 1 (0x7f) or already (>= 0x80);
  // 0xff + 1 carries into the next byte, but 0xff itself is caught by `w & highs`.
  bool high = ((w | (w + ones)) & highs) != 0;
  return !control && !high && !has_zero(w ^ ('"' * ones)) && !has_zero(w ^ ('\\' * ones));
}

#ifdef __SSE2__
// A bit for each of the 16 bytes at `p` that is plain_ascii, sixteen at a time with SSE2
// (every x86-64 has it): a terminal recording's writer scans every byte it records this way.
unsigned plain_mask_16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed bytes: 0x20..0x7f are the ones above 0x1f (0x80 and up are negative).
  const __m128i printable = _mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f));
  const __m128i special = _mm_or_si128(
      _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(special, printable)));
}
#endif

// Where the run of plain_ascii bytes that starts at `i` ends.
std::size_t plain_run_end(std::string_view text, std::size_t i) {
#ifdef __SSE2__
  // The next block's load does not wait for this one's count: only the (predicted) test of
  // "all plain" is in the loop. Counting within the block each time was slower than words.
  for (; i + 16 <= text.size(); i += 16) {
    unsigned plain = plain_mask_16(text.data() + i);
    if (plain != 0xffff) return i + static_cast<std::size_t>(std::countr_one(plain));
  }
#endif
  while (i + 8 <= text.size()) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    if (!all_plain_ascii(w)) break;
    i += 8;
  }
  while (i < text.size() && plain_ascii(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out;
  append_json_quoted(out, text);
  return out;
}

void append_json_quoted(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + text.size() / 8 + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    if (plain_ascii(static_cast<unsigned char>(text[i]))) {
      std::size_t end = plain_run_end(text, i);
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    char32_t cp = 0;
    const std::size_t length = policy::decode_utf8(text, i, cp);
    if (length == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        // JSON only demands C0 be escaped; DEL, C1 and format characters (bidi overrides,
        // zero-width) are escaped too because this output is often read on a terminal, and
        // U+2028/9 because JavaScript treats them as line ends: policy's one set of them.
        if (policy::is_hidden_code_point(cp)) {
          append_u(out, cp);
        } else {
          out.append(text.substr(i, length));
        }
    }
    i += length;
  }
  out += '"';
}

void JsonWriter::before_value() {
  if (levels_.empty()) {
    assert(out_.empty() && "only one top-level value");
    return;
  }
  Level& level = levels_.back();
  if (level.object) {
    assert(level.expecting_value && "a key must come first");
    level.expecting_value = false;
    return;
  }
  if (!level.empty) out_ += ',';
  level.empty = false;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  levels_.push_back({true});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  assert(!levels_.empty() && levels_.back().object && !levels_.back().expecting_value);
  levels_.pop_back();
  out_ += '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  levels_.push_back({false});
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  assert(!levels_.empty() && !levels_.back().object);
  levels_.pop_back();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  assert(!levels_.empty() && levels_.back().object && !levels_.back().expecting_value);
  Level& level = levels_.back();
  if (!level.empty) out_ += ',';
  level.empty = false;
  level.expecting_value = true;
  out_ += json_quote(name);
  out_ += ':';
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  out_ += json_quote(text);
  return *this;
}

JsonWriter& JsonWriter::value(long long number) {
  before_value();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(unsigned long long number) {
  before_value();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  before_value();
  // to_chars: the shortest text that reads back as the same double, never locale-dependent.
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, number);
  out_.append(buf, ec == std::errc{} ? end : buf);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

}  // namespace holdgate::approvals
