// `web:`: off when absent; listen, tls, url and session_lifetime read; plain HTTP only on
// loopback; mistakes at FILE:LINE:COL.
#include "config_text.hpp"

TEST_CASE("web: off when absent; defaults derived from listen", "[config][web]") {
  CHECK_FALSE(parse_ok("state_dir: /s\n").web.listen.has_value());
  auto web = parse_ok("state_dir: /s\nweb: {listen: 127.0.0.1:8080}\n").web;
  REQUIRE(web.listen.has_value());
  CHECK(web.listen->port == 8080);
  CHECK_FALSE(web.tls());
  CHECK(web.url == "http://127.0.0.1:8080");
  CHECK(web.session_lifetime == std::chrono::hours(12));
}

TEST_CASE("web: tls, url and session_lifetime", "[config][web]") {
  auto web = parse_ok(
                 "state_dir: /s\nweb:\n  listen: 0.0.0.0:443\n  tls: {cert: /c.pem, key: /k.pem}\n"
                 "  url: https://bastion.example/\n  session_lifetime: 30m\n")
                 .web;
  CHECK(web.tls());
  CHECK(web.tls_cert == "/c.pem");
  CHECK(web.tls_key == "/k.pem");
  CHECK(web.url == "https://bastion.example");
  CHECK(web.session_lifetime == std::chrono::minutes(30));
  auto derived = parse_ok("state_dir: /s\nweb:\n  listen: 10.0.0.1:8443\n  tls: {cert: /c, key: /k}\n").web;
  CHECK(derived.url == "https://10.0.0.1:8443");
}

TEST_CASE("web: mistakes are errors at FILE:LINE:COL", "[config][web]") {
  struct Row { const char* yaml; const char* at; const char* says; };
  auto row = GENERATE(values<Row>({
      {"state_dir: /s\nweb:\n  listen: 0.0.0.0:8080\n", "c.yaml:3:11: ", "plain HTTP is allowed on a loopback address only"},
      {"state_dir: /s\nweb:\n  listen: 127.0.0.1:8080\n  tsl: {}\n", "c.yaml:4:3: ", "unknown key 'tsl'"},
      {"state_dir: /s\nweb: {}\n", "c.yaml:2:6: ", "missing required key 'listen'"},
      {"state_dir: /s\nweb:\n  listen: 127.0.0.1:8080\n  url: ftp://x\n", "c.yaml:4:8: ", "web.url"},
      {"state_dir: /s\nweb:\n  listen: 127.0.0.1:8080\n  url: https://x/app\n", "c.yaml:4:8: ", "without a path"},
      {"state_dir: /s\nweb:\n  listen: 127.0.0.1:8080\n  tls: {cert: /c}\n", "c.yaml:4:8: ", "missing required key 'key'"},
      {"state_dir: /s\nweb:\n  listen: 127.0.0.1:8080\n  session_lifetime: soon\n", "c.yaml:4:21: ", "session_lifetime"},
  }));
  auto errors = errors_of(row.yaml);
  REQUIRE(errors.size() == 1);
  INFO(errors[0]);
  CHECK(errors[0].rfind(row.at, 0) == 0);
  CHECK(errors[0].find(row.says) != std::string::npos);
}
