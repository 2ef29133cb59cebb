#include "approvals/json_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

namespace holdgate::approvals {
namespace {

// A recursive-descent reader over one string. The first error stops it; its position and
// sentence are kept.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  std::variant<JsonValue, JsonError> document() {
    skip_whitespace();
    auto value = read_value(0);
    if (!error_.message.empty()) return error_;
    skip_whitespace();
    if (pos_ != text_.size()) return JsonError{pos_, "unexpected text after the JSON value"};
    return std::move(*value);
  }

 private:
  std::optional<JsonValue> fail(std::string message) {
    if (error_.message.empty()) error_ = {pos_, std::move(message)};
    return std::nullopt;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }

  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<JsonValue> read_value(int depth) {
    if (at_end()) return fail("unexpected end of input");
    switch (peek()) {
      case '{': return read_object(depth + 1);
      case '[': return read_array(depth + 1);
      case '"': {
        auto s = read_string();
        if (!s) return std::nullopt;
        return JsonValue(std::move(*s));
      }
      case 't':
        if (consume_word("true")) return JsonValue(true);
        break;
      case 'f':
        if (consume_word("false")) return JsonValue(false);
        break;
      case 'n':
        if (consume_word("null")) return JsonValue(nullptr);
        break;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return read_number();
    }
    return fail("expected a JSON value");
  }

  std::optional<JsonValue> read_object(int depth) {
    if (depth > max_json_depth) return fail("nested too deeply");
    ++pos_;  // '{'
    JsonObject members;
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      return JsonValue(std::move(members));
    }
    for (;;) {
      skip_whitespace();
      if (peek() != '"') return fail("expected a string key");
      const std::size_t key_at = pos_;
      auto key = read_string();
      if (!key) return std::nullopt;
      for (const auto& member : members) {
        if (member.key == *key) {
          // Which copy wins differs between readers; refusing is the only safe answer.
          pos_ = key_at;
          return fail("duplicate key \"" + *key + "\"");
        }
      }
      skip_whitespace();
      if (peek() != ':') return fail("expected ':' after the key");
      ++pos_;
      skip_whitespace();
      auto value = read_value(depth);
      if (!value) return std::nullopt;
      members.push_back({std::move(*key), std::move(*value)});
      skip_whitespace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return JsonValue(std::move(members));
      }
      return fail("expected ',' or '}'");
    }
  }

  std::optional<JsonValue> read_array(int depth) {
    if (depth > max_json_depth) return fail("nested too deeply");
    ++pos_;  // '['
    JsonArray items;
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
      return JsonValue(std::move(items));
    }
    for (;;) {
      skip_whitespace();
      auto value = read_value(depth);
      if (!value) return std::nullopt;
      items.push_back(std::move(*value));
      skip_whitespace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return JsonValue(std::move(items));
      }
      return fail("expected ',' or ']'");
    }
  }

  // RFC 8259 grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  std::optional<JsonValue> read_number() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (peek() >= '0' && peek() <= '9') return fail("numbers must not have leading zeros");
    } else if (digits() == 0) {
      return fail("expected digits");
    }
    if (peek() == '.') {
      ++pos_;
      if (digits() == 0) return fail("expected digits after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (digits() == 0) return fail("expected digits in the exponent");
    }
    double value = 0;
    auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (ec != std::errc{} || end != text_.data() + pos_ || !std::isfinite(value)) {
      pos_ = start;
      return fail("number out of range");
    }
    return JsonValue(value);
  }

  std::optional<unsigned> read_hex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
      else return std::nullopt;
    }
    pos_ += 4;
    return value;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // Length of the valid UTF-8 sequence at pos_ (not ASCII), or 0: overlong forms, encoded
  // surrogates and code points past U+10FFFF are invalid.
  std::size_t utf8_length() const {
    const auto lead = static_cast<unsigned char>(text_[pos_]);
    const std::size_t length = (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3
                             : (lead >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || pos_ + length > text_.size()) return 0;
    std::uint32_t cp = lead & (0x7f >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text_[pos_ + k]);
      if ((next & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return length;
  }

  std::optional<std::string> read_string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) {
        fail("unterminated string");
        return std::nullopt;
      }
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) {
        fail("control character in a string (escape it)");
        return std::nullopt;
      }
      if (c == '\\') {
        if (!read_escape(out)) return std::nullopt;
        continue;
      }
      if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      const std::size_t length = utf8_length();
      if (length == 0) {
        fail("invalid UTF-8 in a string");
        return std::nullopt;
      }
      out.append(text_.substr(pos_, length));
      pos_ += length;
    }
  }

  bool read_escape(std::string& out) {
    const std::size_t start = pos_;
    ++pos_;  // backslash
    const char e = peek();
    ++pos_;
    switch (e) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default:
        pos_ = start;
        fail("invalid escape in a string");
        return false;
    }
    auto unit = read_hex4();
    if (!unit) {
      pos_ = start;
      fail("\\u needs four hex digits");
      return false;
    }
    std::uint32_t cp = *unit;
    if (cp >= 0xdc00 && cp <= 0xdfff) {
      pos_ = start;
      fail("lone low surrogate in a string");
      return false;
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
      // A high surrogate must be followed at once by an escaped low one.
      if (!consume_word("\\u")) {
        pos_ = start;
        fail("lone high surrogate in a string");
        return false;
      }
      auto low = read_hex4();
      if (!low || *low < 0xdc00 || *low > 0xdfff) {
        pos_ = start;
        fail("lone high surrogate in a string");
        return false;
      }
      cp = 0x10000 + ((cp - 0xd800) << 10) + (*low - 0xdc00);
    }
    append_utf8(out, cp);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  JsonError error_;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
  const auto* object = as_object();
  if (object == nullptr) return nullptr;
  for (const auto& member : *object) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

std::variant<JsonValue, JsonError> parse_json(std::string_view text) {
  return Reader(text).document();
}

}  // namespace holdgate::approvals
