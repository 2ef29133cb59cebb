// Checks on a rendered page that hold for every page, whatever went into it: the properties the
// strict Content-Security-Policy and the escaping promise (tests/unit/web_pages_test.cpp).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "policy/sanitize.hpp"

namespace web_checks {

struct Tag {
  std::string name;                                      // lowercase, "/form" for a closing tag
  std::vector<std::pair<std::string, std::string>> attributes;  // values unescaped as written
  bool quoted = true;                                    // every value in double quotes
};

// Every "<" in a page starts a real tag (text has "&lt;"), so a plain scan finds them all.
inline std::vector<Tag> tags(std::string_view html) {
  std::vector<Tag> found;
  for (std::size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
    const std::size_t end = html.find('>', i);
    if (end == std::string_view::npos) break;
    const std::string_view inside = html.substr(i + 1, end - i - 1);
    Tag tag;
    std::size_t k = 0;
    while (k < inside.size() && inside[k] != ' ') tag.name += static_cast<char>(std::tolower(inside[k++]));
    while (k < inside.size()) {
      while (k < inside.size() && inside[k] == ' ') ++k;
      std::string name;
      while (k < inside.size() && inside[k] != '=' && inside[k] != ' ') name += inside[k++];
      std::string value;
      if (k < inside.size() && inside[k] == '=') {
        ++k;
        if (k < inside.size() && inside[k] == '"') {
          const std::size_t close = inside.find('"', k + 1);
          value = std::string(inside.substr(k + 1, close - k - 1));
          k = close == std::string_view::npos ? inside.size() : close + 1;
        } else {
          tag.quoted = false;
          while (k < inside.size() && inside[k] != ' ') value += inside[k++];
        }
      }
      if (!name.empty()) tag.attributes.emplace_back(name, value);
    }
    found.push_back(std::move(tag));
  }
  return found;
}

inline bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t n = holdgate::policy::decode_utf8(text, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// What may never be in a page: returns the first problem found, or "" when there is none.
inline std::string page_problem(std::string_view html) {
  if (!valid_utf8(html)) return "not valid UTF-8";
  for (char c : html) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\n' && c != '\t') return "a raw control character";
  }
  for (std::string_view raw : {"\xE2\x80\xAE", "\xE2\x80\xAA", "\xE2\x81\xA6", "\xE2\x80\x8F"}) {
    if (html.find(raw) != std::string_view::npos) return "a raw bidi control";
  }
  static const std::vector<std::string> allowed = {
      "!doctype", "html", "head", "meta", "title", "link", "script", "body", "header", "nav", "a",
      "span", "main", "section", "h1", "h2", "p", "ul", "ol", "li", "dl", "dt", "dd", "strong",
      "time", "code", "form", "input", "label", "textarea", "button", "div"};
  int scripts = 0;
  for (const auto& tag : tags(html)) {
    const std::string bare = tag.name[0] == '/' ? tag.name.substr(1) : tag.name;
    if (std::find(allowed.begin(), allowed.end(), bare) == allowed.end()) return "a <" + tag.name + "> tag";
    if (!tag.quoted) return "an unquoted attribute in <" + tag.name + ">";
    for (const auto& [name, value] : tag.attributes) {
      if (name.rfind("on", 0) == 0) return "an " + name + "= attribute";
      if (name == "style") return "a style= attribute";
      if ((name == "href" || name == "action" || name == "src") && !value.empty() && value[0] != '/')
        return "a " + name + " that is not a same-origin path: " + value;
      if ((name == "href" || name == "action" || name == "src") && value.rfind("//", 0) == 0)
        return "a protocol-relative " + name;
    }
    if (tag.name == "script") {
      ++scripts;
      if (tag.attributes.empty() || tag.attributes[0] != std::pair<std::string, std::string>{"src", "/static/app.js"})
        return "a script that is not /static/app.js";
    }
  }
  if (scripts != 1) return "not exactly one script";
  return {};
}

// Each <form> with its attributes and the names/values of what is inside it.
struct Form {
  std::string action, method;
  std::vector<std::pair<std::string, std::string>> fields;  // name -> value (buttons too)
};

inline std::vector<Form> forms(std::string_view html) {
  std::vector<Form> found;
  Form* open = nullptr;
  for (const auto& tag : tags(html)) {
    auto attr = [&](std::string_view key) {
      for (const auto& [name, value] : tag.attributes)
        if (name == key) return value;
      return std::string();
    };
    if (tag.name == "form") {
      found.push_back({attr("action"), attr("method"), {}});
      open = &found.back();
    } else if (tag.name == "/form") {
      open = nullptr;
    } else if (open && (tag.name == "input" || tag.name == "button" || tag.name == "textarea")) {
      if (!attr("name").empty()) open->fields.emplace_back(attr("name"), attr("value"));
    }
  }
  return found;
}

// The page's text with tags dropped (entities left as written).
inline std::string text_of(std::string_view html) {
  std::string text;
  bool in_tag = false;
  for (char c : html) {
    if (c == '<') in_tag = true;
    else if (c == '>') in_tag = false;
    else if (!in_tag) text += c;
  }
  return text;
}

}  // namespace web_checks
