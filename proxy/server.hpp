// The listener: binds the port, accepts connections, reads the PROXY header of those from a
// load balancer (ingress/), enforces the limits on unauthenticated connections (limits/) by the
// client's address, starts one Session per connection, and stops them all on shutdown.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "audit_checkpointer.hpp"
#include "bastion_feed.hpp"
#include "config/config.hpp"
#include "fd_reserve.hpp"
#include "integrations/integrations.hpp"
#include "metrics_service.hpp"
#include "runtime/net.hpp"
#include "session.hpp"
#include "key_directory.hpp"
#include "session_context.hpp"
#include "ssh_handles.hpp"
#include "recording/writer.hpp"
#include "runtime/storage_worker.hpp"
#include "web/http_server.hpp"
#include "web/web_app.hpp"

namespace holdgate::proxy {

class Server {
 public:
  Server(asio::io_context& io, std::shared_ptr<const config::Config> config, EventLog& log);

  // Prepares state_dir, keys and the listening socket. An error is one sentence for the operator.
  std::optional<std::string> start();

  // Accepts connections and runs the request expiry timer until shutdown.
  void run();

  // Stops accepting, closes connections that have not authenticated, gives live sessions the
  // configured grace period, then ends the rest. Returns when no session is left.
  awaitable<void> shutdown();

  // Ends every session now (a second signal).
  void stop_all();

  // The request service's worker once start() has opened the store (audit events go there).
  StorageWorker* storage() { return storage_.get(); }
  // The config in force (what a reload compares a new one with).
  const std::shared_ptr<const config::Config>& config() const { return config_; }
  // A reload (config_reload.cpp): `config` (restart-only settings already put back) applies to
  // new logins and requests from now on; sessions keep the snapshot they started under. The
  // connections of people (or keys) it no longer has end with `removed_message`; returns how
  // many, or a sentence when the new webhooks or hooks cannot start (nothing changed then).
  std::variant<std::size_t, std::string> apply_config(std::shared_ptr<const config::Config> config,
                                                      const std::string& removed_message);

 private:
  awaitable<void> accept_loop();
  void start_session(tcp::socket socket);
  // A connection from a load balancer (`proxy_protocol.from`): its PROXY header first, read
  // within login_grace; then admitted as the client the header names.
  awaitable<void> accept_proxied(tcp::socket socket, tcp::endpoint balancer);
  // The limits on unauthenticated connections (limits/) for `peer`, then a Session.
  void admit(tcp::socket socket, Session::Peer peer);
  // Starts a Session on an accepted (or ProxyJump inner) socket; `startup` counts it until it
  // has authenticated.
  void launch(StreamSocket socket, Session::Peer peer, StartupSlot startup,
              std::optional<Session::JumpOrigin> jump);
  // Expires pending requests when their time comes: one timer armed for the earliest expiry,
  // re-armed whenever a request is created (here or on another bastion).
  awaitable<void> expiry_loop();
  // Deletes recordings past `recording.retention` at start and hourly (each one audited); the
  // directory work runs on the recording writer's thread.
  awaitable<void> retention_loop();
  void apply_retention();
  std::size_t live_sessions();
  // A connection closed unserved because descriptors ran out: counted, logged once a second.
  void note_out_of_descriptors();

  asio::io_context& io_;
  std::shared_ptr<const config::Config> config_;  // in force now; replaced by apply_config()
  // The config the server started with: the settings only a restart changes are read from it
  // (the audit checkpointer holds a reference into it).
  std::shared_ptr<const config::Config> started_;
  EventLog& log_;
  std::unique_ptr<StorageWorker> storage_;  // the request service and its store, off the loop
  std::unique_ptr<recording::RecordingWriter> recorder_;  // before context_, which points at it
  LiveSessions live_sessions_;  // the session channels running now; context_ points at it
  ConnectedPeople people_;  // authenticated connections by person and key; context_ points at it
  integrations::Integrations integrations_;  // webhooks and approval hooks; declared after storage_ so they
                               // unsubscribe before it goes
  // Other bastions' changes on the same database, published to storage_->events()'s listeners.
  std::unique_ptr<BastionFeed> feed_;
  std::unique_ptr<AuditCheckpointer> checkpointer_;  // signed anchors of the audit chain
  KeyHandle upstream_identity_;
  BindHandle bind_;
  KeyDirectory key_directory_;  // keys_command answers, across logins; context_ points at it
  SessionContext context_;
  tcp::acceptor acceptor_;
  FdReserve fd_reserve_;  // spent to refuse a connection when descriptors run out
  SteadyClock::time_point shed_logged_at_{};
  std::size_t shed_unlogged_ = 0;  // connections refused for want of descriptors, not yet logged
  std::vector<std::weak_ptr<Session>> sessions_;
  std::mt19937 random_;  // the random early drop's rolls
  int awaiting_headers_ = 0;  // load balancers' connections whose PROXY header is not read yet
  std::unique_ptr<MetricsService> metrics_;  // `metrics:`; last, so it goes first
  std::unique_ptr<web::WebApp> web_app_;        // `web:` its routes, and
  std::unique_ptr<web::HttpServer> web_server_;  // its listener (goes before the routes)
};

}  // namespace holdgate::proxy
