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

namespace {
using Clock = rec::CastPlayer::Clock;
const char* const cast =
    "{\"version\": 2, \"width\": 100, \"height\": 30}\n"
    "[0.5, \"o\", \"one\"]\n"
    "[0.6, \"i\", \"typed\"]\n"
    "[0.75, \"r\", \"90x20\"]\n"
    "[1.0, \"o\", \"two\"]\n"
    "[601.0, \"o\", \"after an idle ten minutes\"]\n"
    "[601.0, \"m\", \"revoked\"]\n";
}  // namespace

TEST_CASE("the player shows output events when they are due", "[recording][replay]") {
  rec::CastPlayer player(2);  // twice as fast
  const Clock::time_point t0{};
  CHECK(player.wants_bytes());
  CHECK(player.due_output(t0).empty());
  player.feed(cast);
  player.end_of_file();
  // Schedule at 2x, idle capped at 2 s: one at +0.25 s, two at +0.5 s, the last at +1.5 s.
  struct Row {
    int at_ms;
    const char* output;
  };
  const std::vector<Row> rows = {
      {0, ""}, {249, ""}, {250, "one"}, {499, ""}, {500, "two"}, {1499, ""},
      {1500, "after an idle ten minutes"}, {5000, ""},
  };
  std::string seen;
  for (const auto& row : rows) {
    INFO("at " << row.at_ms << " ms");
    CHECK(player.due_output(t0 + std::chrono::milliseconds(row.at_ms)) == row.output);
  }
  REQUIRE(player.size());
  CHECK(player.size()->width == 100);
  CHECK(player.finished());
  CHECK(player.error().empty());
  CHECK_FALSE(player.next_due());
}

TEST_CASE("the player catches up on everything due at once, in bounded pieces", "[recording][replay]") {
  rec::CastPlayer player(1);
  player.feed("{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"aaaa\"]\n[0.2, \"o\", \"bbbb\"]\n"
              "[0.3, \"o\", \"cccc\"]");  // the last line has no newline
  const Clock::time_point t0{};
  CHECK(player.due_output(t0).empty());
  REQUIRE(player.next_due() == t0 + std::chrono::milliseconds(100));
  CHECK(player.wants_bytes() == false);
  CHECK(player.due_output(t0 + std::chrono::seconds(5), 6) == "aaaabbbb");
  CHECK(player.due_output(t0 + std::chrono::seconds(5), 6).empty());  // needs the file's end
  CHECK(player.wants_bytes());
  player.end_of_file();
  CHECK(player.due_output(t0 + std::chrono::seconds(5)) == "cccc");
  CHECK(player.finished());
}

TEST_CASE("the player stops with one sentence on what is not a recording", "[recording][replay]") {
  rec::CastPlayer not_cast(1);
  not_cast.feed("hello\n");
  CHECK(not_cast.due_output({}).empty());
  CHECK(not_cast.finished());
  CHECK(not_cast.error() == "the recording is not an asciicast v2 file");

  rec::CastPlayer bad_line(1);
  bad_line.feed("{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"ok\"]\n[garbage\n");
  bad_line.end_of_file();
  CHECK(bad_line.due_output(Clock::time_point{}).empty());  // playing begins
  CHECK(bad_line.due_output(Clock::time_point{} + std::chrono::seconds(1)) == "ok");
  CHECK(bad_line.finished());
  CHECK(bad_line.error() == "line 3 of the recording is not an asciicast event");
}
