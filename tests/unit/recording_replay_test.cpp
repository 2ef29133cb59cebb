// Reading a recording back for `session play`: header, events, the timing schedule, lines.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "recording/replay.hpp"

namespace rec = holdgate::recording;
using std::chrono::microseconds;

TEST_CASE("replay delays: recorded gaps, divided by --speed, idle gaps capped", "[recording][replay]") {
  struct Row {
    double previous, time, speed, idle_limit;
    long long micros;
  };
  const std::vector<Row> rows = {
      {0.0, 0.5, 1, 2, 500000},      // as recorded
      {0.0, 0.5, 2, 2, 250000},      // twice as fast
      {0.0, 0.5, 0.5, 2, 1000000},   // half speed
      {1.0, 1.0, 1, 2, 0},           // same instant
      {0.0, 3600, 1, 2, 2000000},    // an idle hour plays as 2 s
      {0.0, 3600, 4, 2, 500000},     // capped first, then sped up
      {0.0, 3, 1, 5, 3000000},       // another cap
      {2.0, 1.0, 1, 2, 0},           // time going backwards: at once
  };
  for (const auto& row : rows) {
    INFO(row.previous << " -> " << row.time << " at " << row.speed << "x, cap " << row.idle_limit);
    CHECK(rec::replay_delay(row.previous, row.time, row.speed, row.idle_limit) ==
          microseconds(row.micros));
  }
}

TEST_CASE("cast header and event lines", "[recording][replay]") {
  auto header = rec::parse_cast_header(R"({"version":2,"width":120,"height":40,"timestamp":1})");
  REQUIRE(header);
  CHECK(header->width == 120);
  CHECK(header->height == 40);
  CHECK_FALSE(rec::parse_cast_header(R"({"version":1,"width":80,"height":24})"));
  CHECK_FALSE(rec::parse_cast_header(R"({"version":2,"width":0,"height":24})"));
  CHECK_FALSE(rec::parse_cast_header("[0.1, \"o\", \"x\"]"));

  auto event = rec::parse_cast_event(R"([1.25, "o", "hi\r\n\u001b[0m"])");
  REQUIRE(event);
  CHECK(event->time == 1.25);
  CHECK(event->code == "o");
  CHECK(event->data == "hi\r\n\x1b[0m");
  CHECK_FALSE(rec::parse_cast_event(R"([1.25, "o"])"));
  CHECK_FALSE(rec::parse_cast_event(R"(["1", "o", "x"])"));
  CHECK_FALSE(rec::parse_cast_event("not json"));
}

TEST_CASE("lines come out whole however the bytes arrive", "[recording][replay]") {
  rec::LineSplitter lines(16);
  lines.feed("ab");
  CHECK_FALSE(lines.next_line());
  lines.feed("c\nde\n\nf");
  CHECK(lines.next_line() == "abc");
  CHECK(lines.next_line() == "de");
  CHECK(lines.next_line() == "");
  CHECK_FALSE(lines.next_line());
  CHECK_FALSE(lines.too_long());
  CHECK(lines.last_line() == "f");
  CHECK_FALSE(lines.last_line());
  lines.feed(std::string(17, 'x'));
  CHECK(lines.too_long());
}
