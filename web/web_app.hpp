// The reviewer web page's routes (issue 17): sessions, pages and actions, each action through
// the same request service as the SSH approvals channel (on the storage worker), as the
// signed-in person, with source "ADDRESS via=web" in the audit trail. POSTs need the session's
// CSRF token and answer 303 back to the request's page (POST-redirect-GET); a refusal is a
// message page with one sentence and its status. Links are built from web.url, never the Host.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/event_log.hpp"
#include "runtime/storage_worker.hpp"
#include "web/event_stream.hpp"
#include "web/http_server.hpp"
#include "web/login_links.hpp"

namespace holdgate::web {

class WebApp {
 public:
  // `waiting(id)`: someone is held in a terminal on request id. `invocation`: how people reach
  // the approvals channel ("ssh -p 2222 approvals@bastion"), for the sign-in sentence.
  WebApp(StorageWorker& storage, std::function<bool(const std::string&)> waiting,
         std::string invocation, EventLog& log);

  awaitable<WebResponse> handle(WebRequest request);

 private:
  struct Signed;  // a request with its session, person and caller
  awaitable<WebResponse> route(const WebRequest& request);
  awaitable<WebResponse> login(const WebRequest& request);
  awaitable<std::optional<Signed>> signed_in(const WebRequest& request);
  awaitable<WebResponse> home(const Signed& who);
  awaitable<WebResponse> request_page(const Signed& who, const std::string& id);
  awaitable<WebResponse> history(const Signed& who);
  awaitable<WebResponse> act(const Signed& who, const WebRequest& request, int page,
                             const std::string& id);
  awaitable<WebResponse> logout(const Signed& who);
  WebResponse events(const Signed& who);
  WebResponse message(unsigned status, const std::string& person, std::string_view title,
                      std::string_view sentence, std::string_view link = {},
                      std::string_view link_text = {}) const;
  WebResponse sign_in_needed() const;
  bool secure_cookie() const { return storage_.config().web.tls(); }

  StorageWorker& storage_;
  std::function<bool(const std::string&)> waiting_;
  std::string invocation_;
  EventLog& log_;
  LinkRateLimiter link_tries_;
  StreamSlots streams_;
};

}  // namespace holdgate::web
