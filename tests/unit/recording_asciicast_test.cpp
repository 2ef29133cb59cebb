// The asciicast v2 encoder: header, escaping, UTF-8 split across reads, invalid bytes, resize,
// input and markers. Tables of bytes in, lines out.
#include <catch2/catch.hpp>

#include <string>

#include "recording/asciicast.hpp"

using holdgate::recording::CastEncoder;
using holdgate::recording::CastHeader;
using holdgate::recording::Stream;
using holdgate::recording::cast_header;
using holdgate::recording::incomplete_utf8_tail;

TEST_CASE("the header is one JSON line with version 2, size, time, TERM and title", "[recording]") {
  CastHeader header{111, 33, 1795000000, "xterm-256color", "bob root@db-1"};
  CHECK(cast_header(header) ==
        "{\"version\":2,\"width\":111,\"height\":33,\"timestamp\":1795000000,"
        "\"env\":{\"TERM\":\"xterm-256color\"},\"title\":\"bob root@db-1\"}\n");
  CHECK(cast_header({80, 24, 5, "", ""}) ==
        "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":5}\n");
  // A TERM from the client cannot break out of its string.
  CHECK(cast_header({80, 24, 5, "x\"}\n", ""}) ==
        "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":5,\"env\":{\"TERM\":\"x\\\"}\\n\"}}\n");
}

TEST_CASE("output is escaped so asciinema gets back exactly the bytes the user saw", "[recording]") {
  struct Row {
    std::string bytes, line;
  };
  const Row rows[] = {
      {"hello", "[1.500000, \"o\", \"hello\"]\n"},
      {"a\"b\\c", "[1.500000, \"o\", \"a\\\"b\\\\c\"]\n"},
      {"\r\n\x1b[1mX", "[1.500000, \"o\", \"\\r\\n\\u001b[1mX\"]\n"},
      {"caf\xc3\xa9 \xe2\x82\xac", "[1.500000, \"o\", \"caf\xc3\xa9 \xe2\x82\xac\"]\n"},
      // Not UTF-8: a stray continuation byte, a byte that never starts one, an overlong form.
      {"a\x80" "b", "[1.500000, \"o\", \"a\\ufffdb\"]\n"},
      {"\xff", "[1.500000, \"o\", \"\\ufffd\"]\n"},
      {"\xc0\xaf", "[1.500000, \"o\", \"\\ufffd\\ufffd\"]\n"},
  };
  for (const auto& row : rows) {
    CastEncoder encoder;
    INFO(row.bytes);
    CHECK(encoder.data(1.5, Stream::output, row.bytes) == row.line);
  }
}

TEST_CASE("a character split across two reads is written whole, in the later event", "[recording]") {
  CastEncoder encoder;
  // "€" is e2 82 ac; the first read ends after two of its bytes.
  CHECK(encoder.data(1, Stream::output, "x\xe2\x82") == "[1.000000, \"o\", \"x\"]\n");
  CHECK(encoder.data(2, Stream::output, "\xac!") == "[2.000000, \"o\", \"\xe2\x82\xac!\"]\n");
  // All of a read held back: no event at all, then the whole character.
  CHECK(encoder.data(3, Stream::output, "\xf0\x9f").empty());
  CHECK(encoder.data(4, Stream::output, "\x98").empty());
  CHECK(encoder.data(5, Stream::output, "\x80") == "[5.000000, \"o\", \"\xf0\x9f\x98\x80\"]\n");
}

TEST_CASE("a held-back start that is never finished is replaced, not lost or glued on", "[recording]") {
  CastEncoder encoder;
  CHECK(encoder.data(1, Stream::output, "a\xe2").size() > 0);
  // The next read does not continue it: the lone lead byte becomes U+FFFD before "b".
  CHECK(encoder.data(2, Stream::output, "b") == "[2.000000, \"o\", \"\\ufffdb\"]\n");
  CHECK(encoder.data(3, Stream::output, "\xe2\x82").empty());
  CHECK(encoder.finish(4) == "[4.000000, \"o\", \"\\ufffd\\ufffd\"]\n");
  CHECK(encoder.finish(5).empty());
}

TEST_CASE("streams hold back their own partial characters", "[recording]") {
  CastEncoder encoder;
  CHECK(encoder.data(1, Stream::output, "\xc3").empty());
  CHECK(encoder.data(1, Stream::input, "ls\r") == "[1.000000, \"i\", \"ls\\r\"]\n");
  CHECK(encoder.data(2, Stream::output, "\xa9") == "[2.000000, \"o\", \"\xc3\xa9\"]\n");
}

TEST_CASE("resize, input and markers are their own event codes", "[recording]") {
  CastEncoder encoder;
  CHECK(encoder.resize(0.25, 120, 40) == "[0.250000, \"r\", \"120x40\"]\n");
  CHECK(encoder.data(0.5, Stream::input, "\x03") == "[0.500000, \"i\", \"\\u0003\"]\n");
  CHECK(encoder.data(0.5, Stream::error_output, "err") == "[0.500000, \"o\", \"err\"]\n");
  CHECK(encoder.marker(7, "holdgate: revoked") == "[7.000000, \"m\", \"holdgate: revoked\"]\n");
}

TEST_CASE("only the valid start of a character is held back", "[recording]") {
  struct Row {
    std::string bytes;
    std::size_t tail;
  };
  const Row rows[] = {
      {"", 0}, {"abc", 0}, {"\xc3", 1}, {"\xc3\xa9", 0}, {"\xe2\x82", 2}, {"\xf0\x9f\x98", 3},
      {"\xf0\x9f\x98\x80", 0},
      {"\xe0\x80", 0},  // overlong: never valid
      {"\xed\xa0", 0},  // a surrogate
      {"\xf4\x90", 0},  // past U+10FFFF
      {"\xf5", 0}, {"\x80", 0}, {"\x80\x80\x80", 0},
  };
  for (const auto& row : rows) {
    INFO(row.bytes);
    CHECK(incomplete_utf8_tail(row.bytes) == row.tail);
  }
}
