#include "integrations/tls.hpp"

#include <openssl/ssl.h>

namespace holdgate::integrations {

std::variant<std::unique_ptr<asio::ssl::context>, std::string> make_tls_client_context(
    const std::filesystem::path& ca_file) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return "cannot load the system's CA certificates: " + ec.message();
  } else {
    context->load_verify_file(ca_file.string(), ec);
    if (ec) return "cannot load CA certificates from " + ca_file.string() + ": " + ec.message();
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

}  // namespace holdgate::integrations
