// `metrics:`: off when absent, a listen address with 9312 as its default port, errors at their place.
#include "config_text.hpp"

TEST_CASE("metrics: off when absent, listen read with a default port", "[config][metrics]") {
  CHECK_FALSE(parse_ok("state_dir: /s\n").metrics.listen.has_value());
  auto on = parse_ok("state_dir: /s\nmetrics: {listen: 127.0.0.1:9400}\n").metrics.listen;
  REQUIRE(on.has_value());
  CHECK(on->host == "127.0.0.1");
  CHECK(on->port == 9400);
  auto default_port = parse_ok("state_dir: /s\nmetrics:\n  listen: 127.0.0.1\n").metrics.listen;
  REQUIRE(default_port.has_value());
  CHECK(default_port->port == 9312);
}

TEST_CASE("metrics: mistakes are errors at FILE:LINE:COL", "[config][metrics]") {
  struct Row { const char* yaml; const char* at; const char* says; };
  auto row = GENERATE(values<Row>({
      {"state_dir: /s\nmetrics:\n  listne: 127.0.0.1:9312\n", "c.yaml:3:3: ", "unknown key 'listne'"},
      {"state_dir: /s\nmetrics: {}\n", "c.yaml:2:10: ", "missing required key 'listen'"},
      {"state_dir: /s\nmetrics:\n  listen: 127.0.0.1:99999\n", "c.yaml:3:11: ", "metrics.listen: invalid address '127.0.0.1:99999'"},
  }));
  auto errors = errors_of(row.yaml);
  REQUIRE(errors.size() == 1);
  INFO(errors[0]);
  CHECK(errors[0].rfind(row.at, 0) == 0);
  CHECK(errors[0].find(row.says) != std::string::npos);
}
