// The SSH server as users meet it: the host keys holdgate presents and the algorithms it offers.
// Server::start applies it to the listener's bind; the pre-authentication fuzz harness
// (fuzz/ssh_preauth/) applies the same to its own, so it attacks what users reach.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {

// Loads (or generates) the host keys and sets the algorithms on `bind`. An error is one
// sentence for the operator.
std::optional<std::string> configure_user_bind(ssh_bind bind, const config::Config& config);

}  // namespace holdgate::proxy
