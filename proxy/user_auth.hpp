// The user leg before anything is relayed: key exchange, then public-key authentication that
// identifies the person by their key (never by the user name they typed).
#pragma once

#include <string>
#include <variant>

#include "config/config.hpp"
#include "limits/penalties.hpp"
#include "runtime/net.hpp"
#include "ssh_handles.hpp"
#include "ssh_waiter.hpp"

namespace holdgate::proxy {

class KeyDirectory;  // keys from keys_command (key_directory.hpp); nullptr: inline keys only

struct AuthenticatedPerson {
  const config::User* user = nullptr;
  std::string user_name;        // what they typed: LOGIN@TARGET
  std::string key_fingerprint;  // SHA256:...
  std::string key_blob;         // base64, as in AuthorizedKey::blob (a reload checks it is kept)
  // The authentication request whose signature proved the key, not yet answered: the session
  // answers it once it knows whether the person goes straight through or must ask for access.
  MessageHandle pending;
};

struct AuthFailure {
  std::string reason;  // for the log
  limits::Offence offence = limits::Offence::none;  // what the source's penalty counts it as
};

// Runs key exchange and the authentication dialogue until a person proves a configured key
// (leaving that last request unanswered, see AuthenticatedPerson::pending),
// the client gives up, too many attempts fail, the login grace deadline passes, or the server
// asks to stop. A key found through `directory` may wait for its command (within `deadline`).
awaitable<std::variant<AuthenticatedPerson, AuthFailure>> authenticate_user(
    ssh_session session, const config::Config& config, KeyDirectory* directory,
    SshWaiter& waiter, SteadyClock::time_point deadline, const bool& stop_requested);

}  // namespace holdgate::proxy
