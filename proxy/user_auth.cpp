#include "user_auth.hpp"

#include "connection_failure.hpp"
#include "key_directory.hpp"
#include "keys.hpp"
#include "policy/access.hpp"
#include "ssh_handles.hpp"

namespace holdgate::proxy {
namespace {

using limits::Offence;

// The person whose configured key this message carries, or nullptr: an inline key in the
// config first, then (with keys_command) the directory's answers, which may run the command.
awaitable<const config::User*> key_owner(const config::Config& config, KeyDirectory* directory,
                                         ssh_message message, SteadyClock::time_point deadline) {
  ssh_key key = ssh_message_auth_pubkey(message);  // owned by the message
  if (key == nullptr) co_return nullptr;
  const char* type = ssh_key_type_to_char(ssh_key_type(key));
  if (type == nullptr) co_return nullptr;
  std::string blob = public_key_blob(key);
  if (auto* owner = policy::find_user_by_key(config, type, blob)) {
    // A key must never name two people: not even an inline key the directory gives another.
    if (directory != nullptr &&
        !directory->also_listed_for(config, *owner, type, blob, fingerprint(key)).empty()) {
      co_return nullptr;
    }
    co_return owner;
  }
  if (directory == nullptr) co_return nullptr;
  co_return co_await directory->find(config, type, std::move(blob), fingerprint(key), deadline);
}

// libssh 0.10 drops some authentication requests without a word to us or to the client: a
// signature that does not verify, a key or signature blob it cannot parse, a signature
// algorithm not allowed (messages.c, `goto error`). They never reach the loop below, so they
// would never count as attempts, and a client could try signatures until login_grace. So every
// packet before authentication counts too, generously: a real client needs a few per attempt
// (a probe and a signed request, an SSH_MSG_IGNORE before each from some clients, a re-key).
int packet_budget(int max_auth_tries) { return 8 * max_auth_tries + 32; }

// Counts the packets libssh reads while authentication runs; libssh keeps the pointer, so it
// is taken back on every way out.
class PacketCount {
 public:
  explicit PacketCount(ssh_session session) : session_(session) {
    ssh_set_counters(session_, nullptr, &counter_);
  }
  ~PacketCount() { ssh_set_counters(session_, nullptr, nullptr); }
  PacketCount(const PacketCount&) = delete;
  PacketCount& operator=(const PacketCount&) = delete;
  uint64_t received() const { return counter_.in_packets; }

 private:
  ssh_session session_;
  ssh_counter_struct counter_{};
};

}  // namespace

awaitable<std::variant<AuthenticatedPerson, AuthFailure>> authenticate_user(
    ssh_session session, const config::Config& config, KeyDirectory* directory,
    SshWaiter& waiter, SteadyClock::time_point deadline, const bool& stop_requested) {
  for (;;) {
    int rc = ssh_handle_key_exchange(session);
    if (rc == SSH_OK) break;
    if (rc != SSH_AGAIN) {
      co_return AuthFailure{std::string("key exchange failed: ") + ssh_get_error(session),
                            Offence::no_auth};
    }
    if (SteadyClock::now() >= deadline) co_return AuthFailure{"login grace time expired", Offence::grace_exceeded};
    if (stop_requested) co_return AuthFailure{"server shutting down"};
    co_await waiter.wait(deadline);
  }

  int failures = 0;
  int requests = 0;  // authentication requests so far
  PacketCount packets(session);
  const uint64_t budget = static_cast<uint64_t>(packet_budget(config.limits.max_auth_tries));
  for (;;) {
    if (packets.received() > budget) {
      co_return AuthFailure{"too many packets before authenticating", Offence::auth_failed};
    }
    MessageHandle message(ssh_message_get(session));
    if (!message) {
      if (connection_failed(session)) {
        // sshd's authfail when an attempt failed first, else noauth.
        co_return AuthFailure{"client disconnected before authenticating",
                              failures > 0 ? Offence::auth_failed : Offence::no_auth};
      }
      if (SteadyClock::now() >= deadline) co_return AuthFailure{"login grace time expired", Offence::grace_exceeded};
      if (stop_requested) co_return AuthFailure{"server shutting down"};
      co_await waiter.wait(deadline);
      continue;
    }
    int type = ssh_message_type(message.get());
    if (type == SSH_REQUEST_SERVICE) {
      ssh_message_service_reply_success(message.get());
      continue;
    }
    if (type != SSH_REQUEST_AUTH) {
      ssh_message_reply_default(message.get());
      continue;
    }
    ++requests;
    if (ssh_message_subtype(message.get()) == SSH_AUTH_METHOD_PUBLICKEY) {
      const config::User* owner = co_await key_owner(config, directory, message.get(), deadline);
      auto state = ssh_message_auth_publickey_state(message.get());
      if (owner != nullptr && state == SSH_PUBLICKEY_STATE_NONE) {
        // A key offer without a signature: say "that key would do", authenticate nobody.
        ssh_message_auth_reply_pk_ok_simple(message.get());
        continue;
      }
      if (owner != nullptr && state == SSH_PUBLICKEY_STATE_VALID) {
        // libssh verified the signature over this session; the person is who holds the key.
        AuthenticatedPerson person{owner, ssh_message_auth_user(message.get()),
                                   fingerprint(ssh_message_auth_pubkey(message.get())),
                                   public_key_blob(ssh_message_auth_pubkey(message.get())),
                                   std::move(message)};
        co_return person;
      }
    }
    // Everything else fails, and says that only public keys are accepted here.
    ssh_message_auth_set_methods(message.get(), SSH_AUTH_METHOD_PUBLICKEY);
    ssh_message_reply_default(message.get());
    // A first "none" is how every client starts (it asks which methods there are): not an
    // attempt. Every other request is, a repeated "none" too, as in sshd; otherwise a loop of
    // them would keep the connection busy until login_grace.
    bool opening_none = requests == 1 && ssh_message_subtype(message.get()) == SSH_AUTH_METHOD_NONE;
    if (!opening_none && ++failures >= config.limits.max_auth_tries) {
      co_return AuthFailure{"too many authentication failures", Offence::auth_failed};
    }
  }
}

}  // namespace holdgate::proxy
