#include "config/url.hpp"

#include <algorithm>
#include <cctype>

#include "config/address.hpp"

namespace holdgate::config {
namespace {

UrlParse fail(std::string problem) { return {{}, std::move(problem)}; }

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

UrlParse parse_http_url(std::string_view text) {
  // The target goes on the HTTP request line verbatim: a space or CR/LF there would split it.
  if (std::any_of(text.begin(), text.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
      })) {
    return fail("must not contain spaces or control characters");
  }
  HttpUrl url;
  std::string_view rest;
  if (starts_with_nocase(text, "https://")) {
    url.https = true;
    url.port = 443;
    rest = text.substr(8);
  } else if (starts_with_nocase(text, "http://")) {
    url.https = false;
    url.port = 80;
    rest = text.substr(7);
  } else {
    return fail("must start with http:// or https://");
  }
  if (rest.find('#') != std::string_view::npos) return fail("must not have a #fragment");

  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return fail("must not carry user:password@; put the secret in the path");
  }
  if (authority.empty()) return fail("the host is missing");
  auto address = detail::parse_address_checked(authority, url.port);
  if (!address.address) return fail(address.problem);
  url.host = address.address->host;
  url.port = address.address->port;

  if (authority_end != std::string_view::npos) {
    std::string_view target = rest.substr(authority_end);
    url.target = target.starts_with('?') ? "/" + std::string(target) : std::string(target);
  }
  return {url, {}};
}

}  // namespace holdgate::config
