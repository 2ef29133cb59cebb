// A minimal, strict JSON reader (RFC 8259) for what other programs tell holdgate: approval hook
// output. Strict because a sloppy reader is how "approve" slips through by accident: no
// comments, no trailing commas, no single quotes, no duplicate keys, no lone surrogates, no
// invalid UTF-8, nothing after the value but whitespace, and bounded nesting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace holdgate::approvals {

class JsonValue;

struct JsonMember;
using JsonArray = std::vector<JsonValue>;
using JsonObject = std::vector<JsonMember>;  // in document order; keys are unique

class JsonValue {
 public:
  using Storage = std::variant<std::nullptr_t, bool, double, std::string, JsonArray, JsonObject>;

  // Defined below JsonMember: constructing the variant needs every alternative complete
  // (gcc lets it pass, clang with libstdc++ does not).
  JsonValue();
  explicit JsonValue(Storage value);

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value_); }
  // Each is null when the value is of another type.
  const bool* as_bool() const { return std::get_if<bool>(&value_); }
  const double* as_number() const { return std::get_if<double>(&value_); }
  const std::string* as_string() const { return std::get_if<std::string>(&value_); }
  const JsonArray* as_array() const { return std::get_if<JsonArray>(&value_); }
  const JsonObject* as_object() const { return std::get_if<JsonObject>(&value_); }

  // The member `key` of an object; null when this is not an object or has no such key.
  const JsonValue* find(std::string_view key) const;

 private:
  Storage value_;
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

inline JsonValue::JsonValue() : value_(nullptr) {}
inline JsonValue::JsonValue(Storage value) : value_(std::move(value)) {}

struct JsonError {
  std::size_t offset = 0;  // byte offset into the text where reading stopped
  std::string message;     // e.g. "expected ',' or '}'"
};

// Deeper nesting than this is refused rather than risking the stack.
inline constexpr int max_json_depth = 64;

// Exactly one JSON value, optionally surrounded by whitespace. Numbers are read as doubles.
std::variant<JsonValue, JsonError> parse_json(std::string_view text);

}  // namespace holdgate::approvals
