#include "config_reload.hpp"

#include <time.h>

#include <memory>
#include <string>

#include "config/load.hpp"
#include "config/reload_rules.hpp"
#include "key_directory.hpp"

namespace holdgate::proxy {
namespace {

// sd_notify(3)'s MONOTONIC_USEC for RELOADING=1: CLOCK_MONOTONIC in microseconds.
std::string monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::to_string(static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

}  // namespace

ConfigReloader::ConfigReloader(asio::io_context& io, std::filesystem::path file, Server& server,
                               EventLog& log, Notify notify)
    : file_(std::move(file)), server_(server), log_(log), notify_(std::move(notify)), signals_(io) {}

void ConfigReloader::start() {
  error_code ec;
  signals_.add(SIGHUP, ec);
  if (ec) {
    log_.write("reload-failed", {{"reason", "cannot catch SIGHUP: " + ec.message()}});
    return;
  }
  wait();
}

void ConfigReloader::stop() {
  error_code ec;
  signals_.cancel(ec);
}

void ConfigReloader::wait() {
  signals_.async_wait([this](error_code ec, int) {
    if (ec) return;  // stopped
    reload();
    wait();
  });
}

void ConfigReloader::reload() {
  if (notify_) notify_("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec());
  // Reading the file blocks the loop for as long as check-config takes: a local file, once.
  auto result = config::load_config(file_);
  if (!result.errors.empty() || !result.config) {
    for (const auto& error : result.errors) {
      log_.write("reload-failed", {{"error", error.to_string()}});
    }
    log_.write("reload-failed", {{"reason", "the old configuration stays in force"}});
    if (notify_) notify_("READY=1");
    return;
  }
  auto loaded = std::make_shared<config::Config>(std::move(*result.config));
  // What serve would refuse at start is refused here too (hooks and webhooks: apply_config).
  if (auto problem = KeyDirectory::check(*loaded)) {
    log_.write("reload-failed", {{"reason", *problem + "; the old configuration stays in force"}});
    if (notify_) notify_("READY=1");
    return;
  }
  const auto& running = *server_.config();
  auto kept = config::keep_restart_settings(running, *loaded);
  auto applied = server_.apply_config(loaded, std::string(access_removed_message));
  if (auto* error = std::get_if<std::string>(&applied)) {
    log_.write("reload-failed", {{"reason", *error + "; the old configuration stays in force"}});
    if (notify_) notify_("READY=1");
    return;
  }
  if (!kept.empty()) {
    log_.write("reload-needs-restart", {{"settings", joined(kept)},
                                        {"reason", "changed; the running values are kept until a restart"}});
  }
  const auto ended = std::get<std::size_t>(applied);
  const std::string counts = std::to_string(loaded->users.size()) + " users, " +
                             std::to_string(loaded->targets.size()) + " targets, " +
                             std::to_string(loaded->roles.size()) + " roles";
  log_.write("reloaded", {{"users", std::to_string(loaded->users.size())},
                          {"targets", std::to_string(loaded->targets.size())},
                          {"roles", std::to_string(loaded->roles.size())},
                          {"ended_connections", std::to_string(ended)}});
  if (auto* storage = server_.storage()) {
    storage->record({std::chrono::system_clock::now(), "config.reloaded", "holdgate", "",
                     file_.string(), counts});
  }
  if (notify_) notify_("READY=1");
}

}  // namespace holdgate::proxy
