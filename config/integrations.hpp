// Settings for what holdgate tells the outside world and asks it: webhooks that receive request
// changes (`notify.webhooks`) and programs that may decide requests (`approvals.hooks`). Plain
// validated values, like the rest of Config; the proxy does the sockets and processes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace holdgate::config {

// An http:// or https:// URL split into what a client needs to send one request.
struct HttpUrl {
  bool https = true;
  std::string host;           // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 443;   // 80 or 443 unless the URL says otherwise
  std::string target = "/";   // path and query, as sent on the request line
};

// Which request changes a webhook hears about. `resolved` covers approved, denied, expired and
// cancelled alike: receivers usually care that a request is over, not why.
struct WebhookEvents {
  bool created = true;
  bool reviewed = true;
  bool resolved = true;
  bool checkpoint = true;  // audit.checkpoint: signed anchors of the audit hash chain
};

struct Webhook {
  enum class Format { json, slack };
  std::string url;  // as written (it may hold a secret: log `endpoint`'s host, not this)
  HttpUrl endpoint;
  Format format = Format::json;
  WebhookEvents events;
  std::filesystem::path ca_file;  // empty: the system's default trust store
  // Waits between attempts: one delivery is tried 1 + retry_delays.size() times. The default is
  // five attempts over about a minute, enough to ride out a receiver's restart.
  std::vector<std::chrono::seconds> retry_delays{std::chrono::seconds(2), std::chrono::seconds(5),
                                                 std::chrono::seconds(15),
                                                 std::chrono::seconds(40)};
};

struct Notify {
  std::vector<Webhook> webhooks;
};

// A program that sees every new request and may approve it, deny it or pass.
struct ApprovalHook {
  std::string name;             // it reviews as "hook:NAME"
  std::filesystem::path exec;   // run directly (never through a shell), no arguments
  std::chrono::seconds timeout{5};
};

struct ApprovalSettings {
  std::vector<ApprovalHook> hooks;
};

}  // namespace holdgate::config
