// The webhook URL parser (config/url.hpp): what it accepts must be safe to put on an HTTP
// request line, and written out again it must read back as the same URL.
#include <string>

#include "config/url.hpp"
#include "fuzz_check.hpp"

namespace {

using holdgate::fuzz::as_text;
namespace config = holdgate::config;

std::string render(const config::HttpUrl& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  return std::string(url.https ? "https://" : "http://") + (v6 ? "[" + url.host + "]" : url.host) +
         ":" + std::to_string(url.port) + url.target;
}

bool request_line_safe(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  const config::UrlParse parsed = config::parse_http_url(text);
  if (!parsed.problem.empty()) return 0;

  const config::HttpUrl& url = parsed.url;
  FUZZ_CHECK(!url.host.empty());
  FUZZ_CHECK(url.port != 0);
  FUZZ_CHECK(url.host.find_first_of("@/?#[]") == std::string::npos);
  FUZZ_CHECK(!url.target.empty() && url.target.front() == '/');
  FUZZ_CHECK(url.target.find('#') == std::string::npos);
  FUZZ_CHECK(request_line_safe(url.host) && request_line_safe(url.target));

  const std::string again = render(url);
  const config::UrlParse reparsed = config::parse_http_url(again);
  FUZZ_CHECK(reparsed.problem.empty());
  FUZZ_CHECK(reparsed.url.https == url.https);
  FUZZ_CHECK(reparsed.url.host == url.host);
  FUZZ_CHECK(reparsed.url.port == url.port);
  FUZZ_CHECK(reparsed.url.target == url.target);
  return 0;
}
