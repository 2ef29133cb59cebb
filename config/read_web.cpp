// `web:` the reviewer web page (issue 17). Same reader conventions as the other sections. The
// one rule beyond types: plain HTTP (no `tls`) only on a loopback address, since a session
// cookie sent in clear over a network is a stolen session.
#include "config/sections.hpp"
#include "config/url.hpp"

namespace holdgate::config::detail {
namespace {

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string url_from_listen(const Address& listen, bool tls) {
  std::string host = listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  if (host == "0.0.0.0" || host == "[::]") host = "localhost";  // a wildcard is not an address to link to
  return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(listen.port);
}

}  // namespace

WebSettings read_web(const Entry& e) {
  WebSettings web;
  Fields fields(e, {"listen", "tls", "url", "session_lifetime"});
  if (auto f = fields.require("listen")) web.listen = read_address(*f, 8443);
  std::optional<Entry> tls = fields.get("tls");
  if (tls) {
    Fields files(*tls, {"cert", "key"});
    if (auto f = files.require("cert")) web.tls_cert = read_path(*f).value_or("");
    if (auto f = files.require("key")) web.tls_key = read_path(*f).value_or("");
    if (web.tls_cert.empty() || web.tls_key.empty()) web.tls_cert.clear(), web.tls_key.clear();
  } else if (web.listen && !loopback(web.listen->host)) {
    fields.require("listen")->error(
        "plain HTTP is allowed on a loopback address only; add tls: {cert: FILE, key: FILE} "
        "to listen on " + web.listen->host);
  }
  if (auto f = fields.get("url")) {
    if (auto text = read_string(*f)) {
      UrlParse parsed = parse_http_url(*text);
      if (!parsed.problem.empty()) {
        f->error(parsed.problem);
      } else if (parsed.url.target != "/" || text->find('?') != std::string::npos) {
        f->error("expected a base URL without a path, e.g. https://bastion.example");
      } else {
        web.url = *text;
        while (!web.url.empty() && web.url.back() == '/') web.url.pop_back();
      }
    }
  }
  if (web.url.empty() && web.listen) web.url = url_from_listen(*web.listen, tls.has_value());
  if (auto f = fields.get("session_lifetime")) {
    if (auto d = read_duration(*f, false)) web.session_lifetime = *d;
  }
  return web;
}

}  // namespace holdgate::config::detail
