// Parsing what a browser sends, pure and bounded: application/x-www-form-urlencoded bodies and
// query strings, the Cookie header, and the request target's path. Malformed input gives
// nothing (a missing field), never an exception.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace holdgate::web {

// `a=1&b=x+y&c=%3C` -> {a: "1", b: "x y", c: "<"}. The first of a repeated name wins; a pair
// with bad percent-encoding is dropped; at most `max_fields` pairs are read.
std::map<std::string, std::string> parse_form(std::string_view text, std::size_t max_fields = 32);

// %XX and '+' decoded; nullopt for a bad escape.
std::optional<std::string> percent_decode(std::string_view text);

// The value of cookie `name` in a Cookie header (`a=1; holdgate_session=xyz`), if present.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// "/requests/ID?x" -> path "/requests/ID", query "x".
struct Target {
  std::string path;
  std::string query;
};
Target split_target(std::string_view target);

// A route: which page, and the request id in it when it has one.
struct Route {
  enum class Page { home, request, review, cancel, drop, history, login, logout, events, css, js,
                    not_found };
  Page page = Page::not_found;
  std::string id;
};
// Matches the path only (methods are checked by the handler). A request id is what holdgate
// makes: 1-64 characters of [0-9a-z-]; anything else is not_found.
Route match_route(std::string_view path);

}  // namespace holdgate::web
