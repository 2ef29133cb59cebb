// The metrics registry and its text exposition (format 0.0.4): exact output for each kind.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "metrics/exposition.hpp"
#include "metrics/registry.hpp"

using namespace holdgate::metrics;

TEST_CASE("label values and help text are escaped", "[metrics]") {
  struct Row { const char* raw; const char* label; const char* help; };
  auto row = GENERATE(values<Row>({
      {"plain", "plain", "plain"},
      {"a\\b", "a\\\\b", "a\\\\b"},
      {"say \"hi\"", "say \\\"hi\\\"", "say \"hi\""},
      {"two\nlines", "two\\nlines", "two\\nlines"},
      {"", "", ""},
  }));
  CHECK(escape_label_value(row.raw) == row.label);
  CHECK(escape_help(row.raw) == row.help);
}

TEST_CASE("sample values", "[metrics]") {
  struct Row { double value; const char* text; };
  auto row = GENERATE(values<Row>({
      {0, "0"}, {1, "1"}, {-3, "-3"}, {0.005, "0.005"}, {0.1, "0.1"}, {2.5, "2.5"},
      {1e20, "1e+20"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  }));
  CHECK(format_value(row.value) == row.text);
}

TEST_CASE("counters with labels render sorted by label values", "[metrics]") {
  Registry registry;
  auto& logins = registry.counter("holdgate_logins_total", "Logins by result.", {"result"});
  logins.with({"denied"});
  logins.with({"allowed"}).add();
  logins.with({"allowed"}).add(2);
  CHECK(registry.render() ==
        "# HELP holdgate_logins_total Logins by result.\n"
        "# TYPE holdgate_logins_total counter\n"
        "holdgate_logins_total{result=\"allowed\"} 3\n"
        "holdgate_logins_total{result=\"denied\"} 0\n");
}

TEST_CASE("a label value with quotes, a backslash and a newline stays one valid line", "[metrics]") {
  Registry registry;
  registry.gauge("g", "A gauge.", {"a", "b"}).with({"x\"y", "1\\2\n3"}).set(-1.5);
  CHECK(registry.render() ==
        "# HELP g A gauge.\n"
        "# TYPE g gauge\n"
        "g{a=\"x\\\"y\",b=\"1\\\\2\\n3\"} -1.5\n");
}

TEST_CASE("a family with no labels and no series yet has only its HELP and TYPE lines", "[metrics]") {
  Registry registry;
  registry.counter("c_total", "Nothing yet.");
  CHECK(registry.render() == "# HELP c_total Nothing yet.\n# TYPE c_total counter\n");
}

TEST_CASE("histograms: cumulative buckets, +Inf, sum and count", "[metrics]") {
  Registry registry;
  auto& dial = registry.histogram("dial_seconds", "Dial time.", {1, 0.25});  // sorted on the way in
  auto& h = dial.with();
  h.observe(0.125);
  h.observe(0.25);  // a bound is inclusive (le)
  h.observe(0.5);
  h.observe(7);
  CHECK(registry.render() ==
        "# HELP dial_seconds Dial time.\n"
        "# TYPE dial_seconds histogram\n"
        "dial_seconds_bucket{le=\"0.25\"} 2\n"
        "dial_seconds_bucket{le=\"1\"} 3\n"
        "dial_seconds_bucket{le=\"+Inf\"} 4\n"
        "dial_seconds_sum 7.875\n"
        "dial_seconds_count 4\n");
}

TEST_CASE("histogram labels come before le", "[metrics]") {
  Registry registry;
  registry.histogram("h", "H.", {1}, {"kind"}).with({"a"}).observe(2);
  CHECK(registry.render() ==
        "# HELP h H.\n# TYPE h histogram\n"
        "h_bucket{kind=\"a\",le=\"1\"} 0\n"
        "h_bucket{kind=\"a\",le=\"+Inf\"} 1\n"
        "h_sum{kind=\"a\"} 2\n"
        "h_count{kind=\"a\"} 1\n");
}

TEST_CASE("collectors set gauges before each render; families keep their order", "[metrics]") {
  Registry registry;
  auto& live = registry.gauge("live", "Live.");
  registry.counter("b_total", "B.").with().add(5);
  int now = 2;
  registry.on_collect([&] { live.with().set(now); });
  CHECK(registry.render() ==
        "# HELP live Live.\n# TYPE live gauge\nlive 2\n"
        "# HELP b_total B.\n# TYPE b_total counter\nb_total 5\n");
  now = 0;
  CHECK(registry.render().find("live 0\n") != std::string::npos);
}

TEST_CASE("too few or too many label values are padded or cut", "[metrics]") {
  Registry registry;
  auto& c = registry.counter("c_total", "C.", {"a", "b"});
  c.with({"x"}).add();
  c.with({"x", "", "extra"}).add();  // the same series as the padded one
  CHECK(registry.render() == "# HELP c_total C.\n# TYPE c_total counter\nc_total{a=\"x\",b=\"\"} 2\n");
}
