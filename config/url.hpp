// Webhook URLs: only what holdgate can deliver to (http and https, a host, an optional port, a
// path), checked when the config is read so a typo is a FILE:LINE:COL error, not a failed
// delivery hours later.
#pragma once

#include <string>
#include <string_view>

#include "config/integrations.hpp"

namespace holdgate::config {

struct UrlParse {
  HttpUrl url;
  std::string problem;  // empty when `url` is valid
};

// "https://hooks.example/services/T0/B0/X", "http://127.0.0.1:8080/hook?x=1". Refused: other
// schemes, user:password@ (put secrets in the path, as Slack does), fragments, spaces and
// control characters, a missing host, a bad port.
UrlParse parse_http_url(std::string_view text);

}  // namespace holdgate::config
