// A small JSON writer for the channel's --format json output and `request watch` lines. Compact
// (no spaces or newlines), so one value is one line. Strings are always valid JSON whatever
// bytes they hold, and carry no raw control characters that a terminal would act on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace holdgate::approvals {

// `text` as a JSON string literal, quotes included: " and \ escaped, control characters
// (C0, DEL, C1), format characters (Cf) and U+2028/U+2029 as \u00XX / \uXXXX (a surrogate pair
// past U+FFFF), bytes that are not valid UTF-8 as \ufffd.
std::string json_quote(std::string_view text);
// The same, appended to `out`: a recording's event line is built without copying its text again.
void append_json_quoted(std::string& out, std::string_view text);

// Writes values in order; commas and colons are placed for you. Misuse (a value where a key is
// due, unbalanced ends) is a programming error and asserts in debug builds.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(long long number);
  JsonWriter& value(unsigned long long number);
  JsonWriter& value(int number) { return value(static_cast<long long>(number)); }
  JsonWriter& value(long number) { return value(static_cast<long long>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<unsigned long long>(number)); }
  JsonWriter& value(unsigned long number) {
    return value(static_cast<unsigned long long>(number));
  }
  JsonWriter& value(double number);  // NaN and infinities are written as null
  JsonWriter& value(bool flag);
  JsonWriter& null();

  // Splices `json`, which must be one complete JSON value, as the next value.
  JsonWriter& raw(std::string_view json);

  // The text so far; complete once every object and array is closed.
  const std::string& str() const { return out_; }

 private:
  void before_value();

  struct Level {
    bool object;
    bool empty = true;
    bool expecting_value = false;  // in an object: a key was written
  };
  std::string out_;
  std::vector<Level> levels_;
};

}  // namespace holdgate::approvals
