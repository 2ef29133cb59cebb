// The one place Asio's SSL and Beast are included, after net.hpp (which must come first).
#pragma once

#include "runtime/net.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

namespace holdgate::integrations {

namespace beast = boost::beast;

// A TLS client context that verifies the peer: TLS 1.2 or newer, the certificates in `ca_file`
// or, when it is empty, the system's default trust store. An error is one sentence.
std::variant<std::unique_ptr<asio::ssl::context>, std::string> make_tls_client_context(
    const std::filesystem::path& ca_file);

}  // namespace holdgate::integrations
