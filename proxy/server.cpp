#include "server.hpp"

#include "recording/retention.hpp"

#include <unistd.h>

#include <cerrno>

#include <algorithm>

#include "config/reload_rules.hpp"
#include "keys.hpp"
#include "postgres_wakeup.hpp"
#include "proxy_header_reader.hpp"
#include "storage/latency_store.hpp"
#include "stores/open_configured.hpp"
#include "user_bind.hpp"

namespace holdgate::proxy {
namespace {

// The change feed's wake-up for the configured store: inotify on an SQLite file, LISTEN on
// PostgreSQL. An error is one sentence; the feed then relies on its safety re-reads.
std::variant<std::unique_ptr<ChangeWakeup>, std::string> watch_store(asio::io_context& io,
                                                                     const config::Config& config,
                                                                     EventLog& log) {
  if (!stores::uses_postgres(config.storage)) return watch_sqlite_file(io, stores::sqlite_path(config));
  auto dsn = stores::configured_dsn(config.storage);
  if (auto* error = std::get_if<storage::StoreError>(&dsn)) return error->message;
  return listen_postgres(io, std::get<std::string>(dsn), log);
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// As endpoint_text, for the client a load balancer's PROXY header names.
std::string client_text(const ingress::ClientEndpoint& client) {
  auto host = config::to_string(client.address);
  return (client.address.v6 ? "[" + host + "]" : host) + ":" + std::to_string(client.port);
}

// A coroutine's completion handler: an exception that ended it becomes one log line.
auto log_errors(EventLog& log, std::string source) {
  return [&log, source = std::move(source)](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log.write("session-error", {{"source", source}, {"reason", e.what()}});
    }
  };
}

config::IpAddress ip_address(const asio::ip::address& address) {
  config::IpAddress out;
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
  } else {
    out.v6 = true;
    auto bytes = address.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
  }
  return out;
}

}  // namespace

Server::Server(asio::io_context& io, std::shared_ptr<const config::Config> config, EventLog& log)
    : io_(io),
      config_(config),
      started_(config),
      log_(log),
      key_directory_(io, log),
      context_{.config = config, .upstream = {}, .log = log, .storage = nullptr, .approvals_command = {},
               .waiting = {}, .start_inner_session = {}, .admissions = limits::Admissions(config->limits)},
      acceptor_(io),
      random_(std::random_device{}()) {}

std::optional<std::string> Server::start() {
  auto state_dir = ensure_state_dir(config_->state_dir);
  if (auto* e = std::get_if<KeyError>(&state_dir)) return e->message;

  // This process's mark on the audit events it writes: other bastions on the same database
  // publish only the changes that are not their own (BastionFeed).
  const std::string origin = approvals::random_uuid();
  auto store = stores::open_configured_store(*config_, stores::Create::yes, origin);
  if (auto* e = std::get_if<storage::StoreError>(&store)) return e->message;
  auto opened = std::move(std::get<std::unique_ptr<storage::Store>>(store));
  if (config_->storage.debug_latency.count() > 0) {
    opened = storage::with_latency(std::move(opened), config_->storage.debug_latency);
  }
  storage_ = std::make_unique<StorageWorker>(io_, config_, std::move(opened), log_);
  context_.storage = storage_.get();
  std::unique_ptr<ChangeWakeup> wakeup;
  auto watched = watch_store(io_, *config_, log_);
  if (auto* e = std::get_if<std::string>(&watched)) {
    log_.write("change-feed-error", {{"reason", *e + "; reading every 2s instead"}});
  } else {
    wakeup = std::move(std::get<std::unique_ptr<ChangeWakeup>>(watched));
  }
  feed_ = std::make_unique<BastionFeed>(io_, *storage_, origin, std::move(wakeup), log_);
  recorder_ = std::make_unique<recording::RecordingWriter>();
  context_.recorder = recorder_.get();
  context_.live = &live_sessions_;
  context_.people = &people_;
  if (auto problem = KeyDirectory::check(*config_)) return *problem;
  context_.keys = &key_directory_;
  // A directory that cannot be made is not fatal: each session then says so in the log and
  // the audit trail (and one that must be recorded is refused).
  if (auto error = recording::prepare_recordings_dir(config_->recording.dir)) {
    log_.write("recording-failed", {{"reason", *error}});
  }
  context_.start_inner_session = [this](StreamSocket socket, std::string source,
                                        config::IpAddress address, StartupSlot startup,
                                        std::string person, std::string target) {
    launch(std::move(socket), Session::Peer{std::move(source), address}, std::move(startup),
           Session::JumpOrigin{std::move(person), std::move(target)});
  };
  std::string host = config_->listen.host == "0.0.0.0" || config_->listen.host == "::"
                         ? "bastion" : config_->listen.host;
  context_.approvals_command = "ssh -p " + std::to_string(config_->listen.port) + " approvals@" + host;
  auto started = integrations::start_integrations(io_, config_, *storage_, log_, context_.approvals_command);
  if (auto* e = std::get_if<std::string>(&started)) return *e;
  integrations_ = std::move(std::get<integrations::Integrations>(started));

  auto checkpoint_key = audit::SigningKey::load_or_generate(audit::signing_key_path(config_->state_dir));
  if (auto* e = std::get_if<std::string>(&checkpoint_key)) return *e;
  checkpointer_ = std::make_unique<AuditCheckpointer>(
      io_, started_->audit, *storage_, std::move(std::get<audit::SigningKey>(checkpoint_key)), log_,
      [this](const audit::Checkpoint& checkpoint) {
        if (integrations_.webhooks) integrations_.webhooks->notify_checkpoint(checkpoint);
      });

  auto identity = load_or_generate_key(config_->upstream.identity);
  if (auto* e = std::get_if<KeyError>(&identity)) return e->message;
  upstream_identity_ = std::move(std::get<KeyHandle>(identity));
  context_.upstream = UpstreamSettings{upstream_identity_.get(), config_->upstream.known_hosts,
                                       config_->limits.connect_timeout};

  bind_.reset(ssh_bind_new());
  if (auto error = configure_user_bind(bind_.get(), *config_)) return *error;

  // Before the SSH port: once that listens, start-up has succeeded.
  if (config_->metrics.listen) {
    auto metrics = MetricsService::start(io_, *config_->metrics.listen, log_, *storage_, live_sessions_,
                                         context_.waiting, integrations_);
    if (auto* e = std::get_if<std::string>(&metrics)) return *e;
    metrics_ = std::move(std::get<std::unique_ptr<MetricsService>>(metrics));
    context_.metrics = &metrics_->metrics();
  }
  // `web:` the reviewer web page (issue 17), on this loop, its own listener.
  if (config_->web.listen) {
    web_app_ = std::make_unique<web::WebApp>(
        *storage_, [waiting = &context_.waiting](const std::string& id) { return waiting->contains(id); },
        context_.approvals_command, log_);
    web_server_ = std::make_unique<web::HttpServer>(
        io_, [app = web_app_.get()](web::WebRequest request) { return app->handle(std::move(request)); }, log_);
    if (auto error = web_server_->start(config_->web)) return *error;
    web_server_->run();
  }
  error_code ec;
  auto address = asio::ip::make_address(config_->listen.host, ec);
  if (ec) return "listen address '" + config_->listen.host + "' is not an IP address";
  tcp::endpoint endpoint(address, config_->listen.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + endpoint_text(endpoint) + ": " + ec.message();
  log_.write("listening", {{"address", endpoint_text(endpoint)}});
  return std::nullopt;
}

awaitable<void> Server::expiry_loop() {
  using std::chrono::milliseconds;
  asio::steady_timer timer(io_);
  auto subscription = storage_->events().subscribe([&](const approvals::RequestChange& change) {
    // A new request may expire, or a break-glass one need ratifying, before the others; one
    // made on another bastion too (remote), so whichever bastion gets there first expires it,
    // once: expire_due's compare-and-swap lets only one write win.
    if (change.event == "request.created" || change.event == "request.break_glass") timer.cancel();
  });
  // The first pass runs at start: deadlines that passed while holdgate was down are acted on.
  while (acceptor_.is_open()) {
    milliseconds wait = std::chrono::hours(1);  // a bound, in case the wall clock jumps
    try {
      auto next = co_await storage_->run([](approvals::RequestService& requests) {
        requests.expire_due();
        requests.lapse_unratified_due();
        return requests.next_expiry();
      });
      if (next) {
        auto left = std::chrono::duration_cast<milliseconds>(*next - std::chrono::system_clock::now());
        wait = std::clamp(left + milliseconds(5), milliseconds(0), wait);
      }
    } catch (const StorageUnreachable&) {
      wait = std::chrono::seconds(5);  // the database is away: try again soon (logged already)
    }
    timer.expires_after(wait);
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

void Server::run() {
  auto rethrow = [](std::exception_ptr e) { if (e) std::rethrow_exception(e); };
  asio::co_spawn(io_, accept_loop(), rethrow);
  asio::co_spawn(io_, expiry_loop(), rethrow);
  asio::co_spawn(io_, feed_->run(), rethrow);
  // Always: a reload may turn retention on (with none set a pass deletes nothing).
  asio::co_spawn(io_, retention_loop(), rethrow);
  asio::co_spawn(io_, checkpointer_->run(), rethrow);
}

awaitable<void> Server::retention_loop() {
  asio::steady_timer timer(io_);
  while (acceptor_.is_open()) {
    apply_retention();
    timer.expires_after(std::chrono::hours(1));
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

void Server::apply_retention() {
  recorder_->post([this, executor = io_.get_executor(), writer = recorder_.get(),
                   settings = config_->recording] {
    auto stored = recording::list_recordings(settings.dir, writer->open_names());
    auto doomed = recording::recordings_to_delete(std::move(stored), std::chrono::system_clock::now(),
                                                  settings.retention_days,
                                                  settings.retention_total_bytes);
    for (const auto& name : doomed) {
      std::error_code ec;
      std::filesystem::remove(settings.dir / name, ec);
      std::string outcome = ec ? "cannot delete: " + ec.message() : "deleted by retention";
      asio::post(executor, [this, name, outcome] {
        log_.write("recording-deleted", {{"recording", name}, {"result", outcome}});
        storage_->record({std::chrono::system_clock::now(), "recording.deleted", "holdgate", "", name, outcome});
      });
    }
  });
}

awaitable<void> Server::accept_loop() {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of descriptors: the waiting connection is refused at once (it would otherwise sit
      // in the backlog until the client's own timeout), and the next one is accepted as usual.
      if ((ec == asio::error::no_descriptors || ec.value() == ENFILE) &&
          fd_reserve_.shed_one(acceptor_.native_handle())) {
        note_out_of_descriptors();
        continue;
      }
      // Any other error (or no reserve to spend): back off briefly instead of spinning on it.
      log_.write("accept-error", {{"reason", ec.message()}});
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(use_awaitable);
      continue;
    }
    start_session(std::move(socket));
  }
}

void Server::note_out_of_descriptors() {
  ++shed_unlogged_;
  auto now = SteadyClock::now();
  // One line a second at most, however fast a flood arrives while descriptors are short.
  if (now - shed_logged_at_ < std::chrono::seconds(1)) return;
  log_.write("refused", {{"reason", "out of file descriptors"},
                         {"connections", std::to_string(shed_unlogged_)}});
  shed_logged_at_ = now;
  shed_unlogged_ = 0;
}

void Server::start_session(tcp::socket socket) {
  error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  auto address = ip_address(remote.address());
  const auto& balancers = config_->proxy_protocol.from;
  if (std::any_of(balancers.begin(), balancers.end(),
                  [&](const auto& network) { return limits::contains(network, address); })) {
    asio::co_spawn(io_, accept_proxied(std::move(socket), remote),
                   log_errors(log_, endpoint_text(remote)));
    return;
  }
  admit(std::move(socket), Session::Peer{endpoint_text(remote), address});
}

awaitable<void> Server::accept_proxied(tcp::socket socket, tcp::endpoint balancer) {
  auto balancer_text = endpoint_text(balancer);
  auto refuse = [&](const std::string& reason) {
    log_.write("proxy-header", {{"source", balancer_text}, {"result", "refused"}, {"reason", reason}});
    error_code ec;
    socket.close(ec);
  };
  // Until its header is read a connection counts against no source yet, so these waits have a
  // cap of their own: the total of start-ups the bastion would hold anyway.
  if (awaiting_headers_ >= config_->limits.max_startups) {
    refuse("too many connections waiting for their PROXY protocol header");
    co_return;
  }
  std::variant<ingress::ProxyHeader, std::string> header;
  {
    ++awaiting_headers_;
    StartupSlot waiting([this] { --awaiting_headers_; });
    header = co_await read_proxy_header(socket, config_->limits.login_grace);
  }
  if (!acceptor_.is_open()) co_return;  // shut down meanwhile: the socket closes with this frame
  if (auto* reason = std::get_if<std::string>(&header)) {
    refuse(*reason);
    co_return;
  }
  // LOCAL (a health check) and UNKNOWN name no client: the balancer's own connection.
  auto& client = std::get<ingress::ProxyHeader>(header).client;
  Session::Peer peer = client ? Session::Peer{client_text(*client), client->address, balancer_text}
                              : Session::Peer{balancer_text, ip_address(balancer.address()), balancer_text};
  admit(std::move(socket), std::move(peer));
}

void Server::admit(tcp::socket socket, Session::Peer peer) {
  error_code ec;
  auto address = peer.address;
  // Like sshd's MaxStartups, PerSourceMaxStartups and PerSourcePenalties: a flood of half-open
  // connections can starve neither the bastion of memory nor, from one source, everybody else
  // of start-up slots; authenticated sessions are never affected.
  auto admission = context_.admissions.admit(address, SteadyClock::now(),
                                             std::uniform_int_distribution<int>(0, 99)(random_));
  if (!admission.admitted) {
    if (context_.metrics) context_.metrics->on_preauth_refusal(admission.reason);
    // As sshd: closed at once, without a word (not even the banner), and no descriptor kept.
    if (admission.log_source) {
      log_.write("refused", {{"source", *admission.log_source}, {"reason", admission.reason},
                             {"refusals", std::to_string(admission.refusals)}});
    }
    socket.close(ec);
    return;
  }
  StartupSlot startup([this, address] { context_.admissions.release(address); });
  socket.set_option(tcp::no_delay(true), ec);
  launch(as_stream_socket(std::move(socket)), std::move(peer), std::move(startup), std::nullopt);
}

void Server::launch(StreamSocket socket, Session::Peer peer, StartupSlot startup,
                    std::optional<Session::JumpOrigin> jump) {
  int fd = ::dup(socket.native_handle());  // libssh's own; Asio keeps the original
  if (fd < 0) {  // out of descriptors: closed at once, as a shed connection
    note_out_of_descriptors();
    return;
  }
  SessionHandle user(ssh_new());
  if (ssh_bind_accept_fd(bind_.get(), user.get(), fd) != SSH_OK) {
    log_.write("accept-error", {{"source", peer.text}, {"reason", ssh_get_error(bind_.get())}});
    return;
  }
  std::string source = peer.text;
  auto session = std::make_shared<Session>(context_, std::move(user), std::move(socket),
                                           std::move(peer), std::move(startup), std::move(jump));
  std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  sessions_.push_back(session);
  asio::co_spawn(io_, Session::run(session), log_errors(log_, source));
}

std::size_t Server::live_sessions() {
  std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  return sessions_.size();
}

awaitable<void> Server::shutdown() {
  error_code ec;
  acceptor_.close(ec);
  for (auto& weak : sessions_) {
    if (auto session = weak.lock(); session && !session->authenticated()) session->stop();
  }
  log_.write("shutdown", {{"live_sessions", std::to_string(live_sessions())},
                          {"grace", std::to_string(config_->limits.shutdown_grace.count()) + "s"}});
  // Waiting for sessions to end is a rare, bounded loop; a tick keeps it simple.
  asio::steady_timer tick(io_);
  auto deadline = SteadyClock::now() + config_->limits.shutdown_grace;
  while (live_sessions() > 0 && SteadyClock::now() < deadline) {
    tick.expires_after(std::chrono::milliseconds(100));
    co_await tick.async_wait(use_awaitable);
  }
  stop_all();
  for (int i = 0; i < 50 && live_sessions() > 0; ++i) {
    tick.expires_after(std::chrono::milliseconds(100));
    co_await tick.async_wait(use_awaitable);
  }
  // Ended sessions' audit events wait for their recordings' hashes from the writer thread.
  for (int i = 0; i < 50 && *context_.unfinished_recordings > 0; ++i) {
    tick.expires_after(std::chrono::milliseconds(100));
    co_await tick.async_wait(use_awaitable);
  }
  // Other bastions' revocations reach live sessions until the last one has ended.
  feed_->stop();
  // Last, so the sessions' final events are covered by the checkpoint signed on the way out.
  co_await checkpointer_->stop();
}

std::variant<std::size_t, std::string> Server::apply_config(
    std::shared_ptr<const config::Config> config, const std::string& removed_message) {
  // New webhooks or hooks are made first: one that cannot start refuses the reload whole.
  std::optional<integrations::Integrations> fresh;
  if (!config::same_integrations(*config_, *config)) {
    auto started = integrations::start_integrations(io_, config, *storage_, log_, context_.approvals_command);
    if (auto* e = std::get_if<std::string>(&started)) return *e;
    fresh = std::move(std::get<integrations::Integrations>(started));
  }
  config_ = config;
  context_.config = config;
  context_.upstream.connect_timeout = config->limits.connect_timeout;
  storage_->set_config(config);
  if (fresh) {
    // The old ones go: queued webhook deliveries are dropped and running hooks killed, as
    // at shutdown (they are best effort; a hook that never answered counts as `none`).
    integrations_ = std::move(*fresh);
  } else {
    if (integrations_.webhooks) integrations_.webhooks->set_config(config);
    if (integrations_.hooks) integrations_.hooks->set_config(config);
  }
  return people_.end_unadmitted(*config, removed_message);
}

void Server::stop_all() {
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->stop();
  }
}

}  // namespace holdgate::proxy
