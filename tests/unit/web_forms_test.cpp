// The web page's parsing of what a browser sends: forms, cookies, targets, routes.
#include <catch2/catch.hpp>

#include "web/forms.hpp"

using namespace holdgate::web;

TEST_CASE("forms: urlencoded pairs decoded; bad escapes dropped; the first of a name wins", "[web][forms]") {
  auto form = parse_form("csrf=abc&decision=approve&reason=looks+fine%2C+%3Cok%3E&reason=second&bad=%zz&=x&flag");
  CHECK(form["csrf"] == "abc");
  CHECK(form["decision"] == "approve");
  CHECK(form["reason"] == "looks fine, <ok>");
  CHECK(form.count("bad") == 0);
  CHECK(form.count("") == 0);
  CHECK(form["flag"].empty());
  CHECK(parse_form("").empty());
  CHECK(parse_form("a=1&b=2&c=3", 2).size() == 2);
}

TEST_CASE("forms: percent_decode", "[web][forms]") {
  struct Row { const char* in; std::optional<std::string> out; };
  auto row = GENERATE(values<Row>({
      {"plain", "plain"}, {"a+b", "a b"}, {"%41%62", "Ab"}, {"%e2%80%ae", "\xe2\x80\xae"},
      {"%", std::nullopt}, {"%4", std::nullopt}, {"%4g", std::nullopt}, {"x%", std::nullopt},
      {"%00", std::string(1, '\0')},
  }));
  CHECK(percent_decode(row.in) == row.out);
}

TEST_CASE("forms: cookie_value finds one cookie among several", "[web][forms]") {
  CHECK(cookie_value("a=1; holdgate_session=xyz; b=2", "holdgate_session") == "xyz");
  CHECK(cookie_value("holdgate_session=xyz", "holdgate_session") == "xyz");
  CHECK(cookie_value("xholdgate_session=1", "holdgate_session") == std::nullopt);
  CHECK(cookie_value("", "holdgate_session") == std::nullopt);
  CHECK(cookie_value("holdgate_session", "holdgate_session") == std::nullopt);
}

TEST_CASE("forms: routes match paths exactly and request ids strictly", "[web][routes]") {
  using Page = Route::Page;
  struct Row { const char* path; Page page; const char* id; };
  auto row = GENERATE(values<Row>({
      {"/", Page::home, ""}, {"/history", Page::history, ""}, {"/login", Page::login, ""},
      {"/logout", Page::logout, ""}, {"/events", Page::events, ""},
      {"/static/app.css", Page::css, ""}, {"/static/app.js", Page::js, ""},
      {"/requests/1f0e-ab", Page::request, "1f0e-ab"}, {"/requests/abc/review", Page::review, "abc"},
      {"/requests/abc/cancel", Page::cancel, "abc"}, {"/requests/abc/drop", Page::drop, "abc"},
      {"/requests/", Page::not_found, ""}, {"/requests/ABC", Page::not_found, ""},
      {"/requests/a%2fb", Page::not_found, ""}, {"/requests/abc/approve", Page::not_found, ""},
      {"/requests/abc/review/x", Page::not_found, ""}, {"/static/../x", Page::not_found, ""},
      {"//", Page::not_found, ""}, {"/history/", Page::not_found, ""},
  }));
  Route route = match_route(row.path);
  INFO(row.path);
  CHECK(route.page == row.page);
  CHECK(route.id == row.id);
  CHECK(split_target("/login?token=x").path == "/login");
  CHECK(split_target("/login?token=x").query == "token=x");
  CHECK(split_target("/").query.empty());
}
