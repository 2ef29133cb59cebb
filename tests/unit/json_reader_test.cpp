// The strict JSON reader used for approval hook output: what it accepts, and one row per kind
// of text it must refuse (with where it stopped).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "approvals/json.hpp"
#include "approvals/json_reader.hpp"

namespace ap = holdgate::approvals;

namespace {

ap::JsonValue parse_ok(const std::string& text) {
  auto parsed = ap::parse_json(text);
  if (auto* error = std::get_if<ap::JsonError>(&parsed)) {
    FAIL("parse_json(" << text << "): " << error->message << " at " << error->offset);
  }
  return std::get<ap::JsonValue>(parsed);
}

std::string parse_string(const std::string& literal) {
  auto value = parse_ok(literal);
  REQUIRE(value.as_string() != nullptr);
  return *value.as_string();
}

}  // namespace

TEST_CASE("scalars", "[json-reader]") {
  CHECK(parse_ok("null").is_null());
  CHECK(*parse_ok("true").as_bool() == true);
  CHECK(*parse_ok(" false ").as_bool() == false);
  CHECK(*parse_ok("0").as_number() == 0);
  CHECK(*parse_ok("-0").as_number() == 0);
  CHECK(*parse_ok("42").as_number() == 42);
  CHECK(*parse_ok("-12.5").as_number() == -12.5);
  CHECK(*parse_ok("1e3").as_number() == 1000);
  CHECK(*parse_ok("2.5E-1").as_number() == 0.25);
  CHECK(*parse_ok("\t\r\n\"x\"\n").as_string() == "x");
  CHECK(parse_ok("1").as_string() == nullptr);
  CHECK(parse_ok("\"1\"").as_number() == nullptr);
}

TEST_CASE("objects and arrays keep order and nest", "[json-reader]") {
  auto value = parse_ok(R"({"b": [1, "two", {"three": null}], "a": {}, "c": []})");
  const auto* object = value.as_object();
  REQUIRE(object != nullptr);
  REQUIRE(object->size() == 3);
  CHECK((*object)[0].key == "b");
  CHECK((*object)[1].key == "a");
  CHECK((*object)[2].key == "c");
  const auto* b = value.find("b")->as_array();
  REQUIRE(b != nullptr);
  REQUIRE(b->size() == 3);
  CHECK(*(*b)[0].as_number() == 1);
  CHECK(*(*b)[1].as_string() == "two");
  CHECK((*b)[2].find("three")->is_null());
  CHECK(value.find("a")->as_object()->empty());
  CHECK(value.find("c")->as_array()->empty());
  CHECK(value.find("missing") == nullptr);
  CHECK(parse_ok("[1]").find("x") == nullptr);  // not an object
}

TEST_CASE("string escapes, including \\u and surrogate pairs", "[json-reader]") {
  CHECK(parse_string(R"("a\"b\\c\/d")") == "a\"b\\c/d");
  CHECK(parse_string(R"("\b\f\n\r\t")") == "\b\f\n\r\t");
  CHECK(parse_string(R"("\u0041\u00e9\u20AC")") == "A\xc3\xa9\xe2\x82\xac");  // A é €
  CHECK(parse_string(R"("\ud83d\ude00")") == "\xf0\x9f\x98\x80");            // 😀
  CHECK(parse_string(R"("\u0000")") == std::string(1, '\0'));
  CHECK(parse_string("\"h\xc3\xa9llo \xf0\x9f\x98\x80\"") == "h\xc3\xa9llo \xf0\x9f\x98\x80");
}

TEST_CASE("round trip with JsonWriter", "[json-reader]") {
  ap::JsonWriter json;
  json.begin_object();
  json.key("text").value("quote \" backslash \\ newline \n bell \x07 del \x7f");
  json.key("n").value(-3);
  json.key("list").begin_array().value(true).null().end_array();
  json.end_object();
  auto value = parse_ok(json.str());
  CHECK(*value.find("text")->as_string() ==
        "quote \" backslash \\ newline \n bell \x07 del \x7f");
  CHECK(*value.find("n")->as_number() == -3);
  CHECK(value.find("list")->as_array()->size() == 2);
}

TEST_CASE("refusals say what and where", "[json-reader]") {
  struct Row {
    std::string text;
    std::string message;
    std::size_t offset;
  };
  const std::vector<Row> rows = {
      {"", "unexpected end of input", 0},
      {"   ", "unexpected end of input", 3},
      {"{", "expected a string key", 1},
      {"{\"a\" 1}", "expected ':' after the key", 5},
      {"{\"a\":1,}", "expected a string key", 7},
      {"[1,]", "expected a JSON value", 3},
      {"[1 2]", "expected ',' or ']'", 3},
      {"{\"a\":1 \"b\":2}", "expected ',' or '}'", 7},
      {"{'a':1}", "expected a string key", 1},
      {"{a:1}", "expected a string key", 1},
      {"{\"a\":1,\"a\":2}", "duplicate key \"a\"", 7},
      {"{} {}", "unexpected text after the JSON value", 3},
      {"true false", "unexpected text after the JSON value", 5},
      {"// c\n{}", "expected a JSON value", 0},
      {"tru", "expected a JSON value", 0},
      {"nul", "expected a JSON value", 0},
      {"NaN", "expected a JSON value", 0},
      {"01", "numbers must not have leading zeros", 1},
      {"-", "expected digits", 1},
      {"+1", "expected a JSON value", 0},
      {"1.", "expected digits after '.'", 2},
      {".5", "expected a JSON value", 0},
      {"1e", "expected digits in the exponent", 2},
      {"1e999", "number out of range", 0},
      {"\"abc", "unterminated string", 4},
      {"\"a\nb\"", "control character in a string (escape it)", 2},
      {"\"a\\x\"", "invalid escape in a string", 2},
      {"\"\\u12\"", "\\u needs four hex digits", 1},
      {"\"\\ud83d\"", "lone high surrogate in a string", 1},
      {"\"\\ud83dx\"", "lone high surrogate in a string", 1},
      {"\"\\ud83d\\u0041\"", "lone high surrogate in a string", 1},
      {"\"\\ude00\"", "lone low surrogate in a string", 1},
      {"\"\xff\"", "invalid UTF-8 in a string", 1},
      {"\"\xc0\xaf\"", "invalid UTF-8 in a string", 1},        // overlong '/'
      {"\"\xed\xa0\x80\"", "invalid UTF-8 in a string", 1},    // encoded surrogate
      {"\"\xe2\x82\"", "invalid UTF-8 in a string", 1},        // truncated
  };
  for (const auto& row : rows) {
    INFO("text: " << row.text);
    auto parsed = ap::parse_json(row.text);
    REQUIRE(std::holds_alternative<ap::JsonError>(parsed));
    const auto& error = std::get<ap::JsonError>(parsed);
    CHECK(error.message == row.message);
    CHECK(error.offset == row.offset);
  }
}

TEST_CASE("nesting is bounded", "[json-reader]") {
  const int ok_depth = ap::max_json_depth;
  CHECK(std::holds_alternative<ap::JsonValue>(
      ap::parse_json(std::string(ok_depth, '[') + std::string(ok_depth, ']'))));
  auto deep = ap::parse_json(std::string(ok_depth + 1, '[') + std::string(ok_depth + 1, ']'));
  REQUIRE(std::holds_alternative<ap::JsonError>(deep));
  CHECK(std::get<ap::JsonError>(deep).message == "nested too deeply");
  // A hostile depth is refused quickly, without exhausting the stack.
  auto hostile = ap::parse_json(std::string(1'000'000, '['));
  REQUIRE(std::holds_alternative<ap::JsonError>(hostile));
}
