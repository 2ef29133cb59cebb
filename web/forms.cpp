#include "web/forms.hpp"

namespace holdgate::web {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool request_id(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view text, std::size_t max_fields) {
  std::map<std::string, std::string> fields;
  std::size_t read = 0;
  while (!text.empty() && read < max_fields) {
    std::size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    ++read;
    std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !value || name->empty()) continue;
    fields.emplace(std::move(*name), std::move(*value));
  }
  return fields;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return std::nullopt;
}

Target split_target(std::string_view target) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {std::string(target), ""};
  return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

Route match_route(std::string_view path) {
  using Page = Route::Page;
  if (path == "/") return {Page::home, ""};
  if (path == "/history") return {Page::history, ""};
  if (path == "/login") return {Page::login, ""};
  if (path == "/logout") return {Page::logout, ""};
  if (path == "/events") return {Page::events, ""};
  if (path == "/static/app.css") return {Page::css, ""};
  if (path == "/static/app.js") return {Page::js, ""};
  constexpr std::string_view prefix = "/requests/";
  if (!path.starts_with(prefix)) return {};
  std::string_view rest = path.substr(prefix.size());
  std::size_t slash = rest.find('/');
  std::string_view id = rest.substr(0, slash);
  if (!request_id(id)) return {};
  if (slash == std::string_view::npos) return {Page::request, std::string(id)};
  std::string_view action = rest.substr(slash + 1);
  if (action == "review") return {Page::review, std::string(id)};
  if (action == "cancel") return {Page::cancel, std::string(id)};
  if (action == "drop") return {Page::drop, std::string(id)};
  return {};
}

}  // namespace holdgate::web
