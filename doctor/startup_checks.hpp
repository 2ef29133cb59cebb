// Every check serve makes before it starts that needs no network and changes nothing, as a
// list: serve refuses on the first that fails, check-config prints the failures, doctor prints
// them all. One definition of each (the rules themselves live where serve applies them:
// policy/file_modes.hpp, integrations::HookRunner::check, integrations::make_tls_client_context, the schema checks).
#pragma once

#include <vector>

#include "config/config.hpp"
#include "doctor/check.hpp"

namespace holdgate::doctor {

// In the order serve meets them: listen address, state_dir, the database, hooks, webhooks'
// TLS trust, the audit checkpoint key, the upstream identity, the host keys.
std::vector<Check> startup_checks(const config::Config& config);

}  // namespace holdgate::doctor
