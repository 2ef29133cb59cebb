#include "web/web_app.hpp"

#include <algorithm>

#include "approvals/request_rules.hpp"
#include "approvals/visibility.hpp"
#include "web/assets.hpp"
#include "web/forms.hpp"
#include "web/pages.hpp"
#include "web/secrets.hpp"

namespace holdgate::web {
namespace {

RequestView view_of(const config::Config& config, storage::AccessRequest request,
                    const std::string& person, storage::TimePoint now,
                    const std::function<bool(const std::string&)>& waiting) {
  RequestView view;
  view.progress = approvals::progress(config, request);
  view.waiting = waiting && waiting(request.id);
  const bool mine = request.user == person;
  const bool pending = request.state == storage::RequestState::pending;
  // Reviewers act while it is PENDING, and on a break-glass one while it awaits ratification.
  view.may_review = request.awaits_review() && !mine && approvals::may_review(config, person, request);
  view.may_cancel = pending && mine;
  view.may_drop = mine && request.state == storage::RequestState::approved &&
                  request.grant_expires && *request.grant_expires > now;
  view.request = std::move(request);
  return view;
}

using Page = Route::Page;
constexpr std::size_t kMaxReason = 1000;
constexpr std::size_t kMaxHistory = 500;

unsigned status_of(approvals::ServiceError::Kind kind) {
  using Kind = approvals::ServiceError::Kind;
  switch (kind) {
    case Kind::invalid: return 400;
    case Kind::not_allowed: return 403;
    case Kind::not_found: return 404;
    case Kind::not_pending: return 409;
    case Kind::over_limit: return 429;
    case Kind::storage: return 503;
  }
  return 500;
}

std::string address_of(const std::string& client) {
  auto colon = client.rfind(':');
  return colon == std::string::npos ? client : client.substr(0, colon);
}

WebResponse redirect(std::string location) {
  WebResponse response;
  response.status = 303;
  response.content_type = "text/plain; charset=utf-8";
  response.headers.emplace_back("Location", std::move(location));
  return response;
}

}  // namespace

struct WebApp::Signed {
  std::string session_id;  // the cookie
  std::string person;
  approvals::Caller caller;
  PageFrame frame;
};

WebApp::WebApp(StorageWorker& storage, std::function<bool(const std::string&)> waiting,
               std::string invocation, EventLog& log)
    : storage_(storage), waiting_(std::move(waiting)), invocation_(std::move(invocation)), log_(log) {}

WebResponse WebApp::message(unsigned status, const std::string& person, std::string_view title,
                            std::string_view sentence, std::string_view link,
                            std::string_view link_text) const {
  WebResponse response;
  response.status = status;
  PageFrame frame;
  frame.person = person;
  frame.now = std::chrono::system_clock::now();
  response.body = message_page(frame, title, sentence, link, link_text);
  return response;
}

WebResponse WebApp::sign_in_needed() const {
  return message(401, "", "Sign in",
                 "Sign in with a one-time link: run " + invocation_ + " web login and open the link it prints.");
}

awaitable<WebResponse> WebApp::handle(WebRequest request) {
  try {
    co_return co_await route(request);
  } catch (const StorageUnreachable& e) {
    co_return message(503, "", "Try again", std::string("holdgate ") + e.what() + ".");
  } catch (const std::exception& e) {
    log_.write("web-failed", {{"reason", e.what()}});
    co_return message(500, "", "Error", "Something went wrong; try again.");
  }
}

awaitable<std::optional<WebApp::Signed>> WebApp::signed_in(const WebRequest& request) {
  auto id = cookie_value(request.cookie, session_cookie);
  if (!id || !well_formed_secret(*id)) co_return std::nullopt;
  auto now = std::chrono::system_clock::now();
  auto read = [this, hash = secret_hash(*id), now](approvals::RequestService&) {
    return storage_.store_on_worker().get_web_session(hash, now);
  };
  auto session = co_await storage_.run(read, "web");
  if (!session) co_return std::nullopt;
  const config::User* user = storage_.config().find_user(session->person);
  if (!user) co_return std::nullopt;  // removed from the config since
  Signed who;
  who.session_id = *id;
  who.person = session->person;
  // The audit trail's source says where and how: "203.0.113.7:51234 via=web".
  who.caller = {user, request.client + " via=web", ""};
  who.frame.person = session->person;
  who.frame.csrf_token = csrf_token(*id);
  who.frame.now = now;
  who.frame.show_history = approvals::is_auditor(storage_.config(), *user);
  co_return who;
}

awaitable<WebResponse> WebApp::route(const WebRequest& request) {
  Target target = split_target(request.target);
  Route route = match_route(target.path);
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (route.page == Page::not_found) co_return message(404, "", "Not found", "There is no such page here.", "/", "Back to the requests");
  // HEAD is not served: one request per connection, and nothing here is worth it.
  if (route.page == Page::css || route.page == Page::js) {
    if (!get) co_return message(405, "", "Not allowed", "Only GET is allowed here.");
    WebResponse asset;
    asset.cacheable = true;
    asset.content_type = route.page == Page::css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    asset.body = std::string(route.page == Page::css ? stylesheet() : live_script());
    co_return asset;
  }
  if (route.page == Page::login) {
    if (!get) co_return message(405, "", "Not allowed", "Only GET is allowed here.");
    auto query = parse_form(target.query);
    WebRequest with_token = request;
    with_token.body = query.count("token") ? query["token"] : "";
    co_return co_await login(with_token);
  }
  const bool wants_post = route.page == Page::review || route.page == Page::cancel ||
                          route.page == Page::drop || route.page == Page::logout;
  if (wants_post ? !post : !get) {
    co_return message(405, "", "Not allowed", wants_post ? "Use the form on the page." : "Only GET is allowed here.");
  }
  auto who = co_await signed_in(request);
  if (!who) co_return sign_in_needed();
  if (post) {
    if (request.content_type.find("application/x-www-form-urlencoded") != 0) {
      co_return message(415, who->person, "Not accepted", "Send the form as the page does.");
    }
    auto form = parse_form(request.body);
    auto token = form.find("csrf");
    if (token == form.end() || !same_secret(token->second, who->frame.csrf_token)) {
      co_return message(403, who->person, "Refused",
                        "The form's security token is missing or wrong; reload the page and try again.");
    }
  }
  switch (route.page) {
    case Page::home: co_return co_await home(*who);
    case Page::request: co_return co_await request_page(*who, route.id);
    case Page::history: co_return co_await history(*who);
    case Page::events: co_return events(*who);
    case Page::logout: co_return co_await logout(*who);
    default: co_return co_await act(*who, request, static_cast<int>(route.page), route.id);
  }
}

awaitable<WebResponse> WebApp::login(const WebRequest& request) {
  if (!link_tries_.allow(address_of(request.client), SteadyClock::now())) {
    co_return message(429, "", "Too many tries", "Too many login links were tried; wait a minute and try again.");
  }
  const std::string& token = request.body;
  auto now = std::chrono::system_clock::now();
  std::optional<storage::WebLogin> taken;
  if (well_formed_secret(token)) {
    auto take = [this, hash = secret_hash(token), now](approvals::RequestService&) {
      return storage_.store_on_worker().take_web_login(hash, now);
    };
    taken = co_await storage_.run(take, "web");
  }
  LinkVerdict verdict = judge_link(taken, now);
  const config::User* user = taken ? storage_.config().find_user(taken->person) : nullptr;
  if (verdict == LinkVerdict::accepted && !user) verdict = LinkVerdict::used_or_unknown;
  if (verdict != LinkVerdict::accepted) {
    log_.write("web-login-refused", {{"client", request.client},
                                     {"reason", verdict == LinkVerdict::expired ? "expired" : "used or unknown"}});
    co_return message(403, "", "Link refused", link_refusal(verdict, invocation_));
  }
  auto lifetime = storage_.config().web.session_lifetime;
  OpenedSession session = open_session(taken->person, now, lifetime);
  auto store = [this, stored = session.stored, now, source = request.client + " via=web"](
                   approvals::RequestService& service) {
    storage_.store_on_worker().create_web_session(stored, now);
    service.record({now, "web.login", stored.person, source, "", "signed in on the web page"});
  };
  co_await storage_.run(store, taken->person);
  log_.write("web-login", {{"user", taken->person}, {"client", request.client}});
  WebResponse response = redirect("/");
  response.headers.emplace_back("Set-Cookie", session_cookie_header(session.id, lifetime, secure_cookie()));
  co_return response;
}

awaitable<WebResponse> WebApp::logout(const Signed& who) {
  auto end = [this, hash = secret_hash(who.session_id)](approvals::RequestService&) {
    storage_.store_on_worker().end_web_session(hash);
  };
  co_await storage_.run(end, who.person);
  WebResponse response = message(200, "", "Signed out", "You are signed out of the web page.");
  response.headers.emplace_back("Set-Cookie", cleared_cookie_header(secure_cookie()));
  co_return response;
}

awaitable<WebResponse> WebApp::home(const Signed& who) {
  auto read = [caller = who.caller](approvals::RequestService& service) {
    auto pending = service.pending_for(caller);
    auto mine = service.list(caller, approvals::ListScope::mine);
    return std::make_pair(std::move(pending), std::move(mine));
  };
  auto [pending, mine] = co_await storage_.run(read, who.person);
  const auto& config = storage_.config();
  std::vector<RequestView> reviewable, own;
  for (auto& request : pending) {
    if (request.user != who.person) reviewable.push_back(view_of(config, std::move(request), who.person, who.frame.now, waiting_));
  }
  constexpr std::size_t kMine = 20;  // newest first
  for (auto& request : mine) {
    if (own.size() >= kMine) break;
    own.push_back(view_of(config, std::move(request), who.person, who.frame.now, waiting_));
  }
  WebResponse response;
  response.body = requests_page(who.frame, reviewable, own);
  co_return response;
}

awaitable<WebResponse> WebApp::request_page(const Signed& who, const std::string& id) {
  auto read = [id](approvals::RequestService& service) {
    auto shown = service.show(id);
    std::vector<storage::AuditEvent> events;
    if (auto* request = std::get_if<storage::AccessRequest>(&shown)) {
      for (auto& event : service.history(request->created - std::chrono::seconds(1))) {
        if (event.subject == id) events.push_back(std::move(event));
      }
    }
    return std::make_pair(std::move(shown), std::move(events));
  };
  auto [shown, history] = co_await storage_.run(read, who.person);
  const auto& config = storage_.config();
  auto* request = std::get_if<storage::AccessRequest>(&shown);
  if (!request || !approvals::may_see_request(config, *who.caller.user, *request)) {
    co_return message(404, who.person, "Not found", "There is no request " + id + " that you may see.", "/", "Back to the requests");
  }
  std::reverse(history.begin(), history.end());  // newest first
  WebResponse response;
  response.body = web::request_page(who.frame, view_of(config, *request, who.person, who.frame.now, waiting_), history);
  co_return response;
}

awaitable<WebResponse> WebApp::history(const Signed& who) {
  if (!approvals::is_auditor(storage_.config(), *who.caller.user)) {
    co_return message(403, who.person, "Not allowed", "The history is for holders of an audit role only.", "/", "Back to the requests");
  }
  auto read = [since = who.frame.now - std::chrono::hours(24)](approvals::RequestService& service) {
    auto events = service.history(since);
    std::reverse(events.begin(), events.end());
    if (events.size() > kMaxHistory) events.resize(kMaxHistory);
    return events;
  };
  auto events = co_await storage_.run(read, who.person);
  WebResponse response;
  response.body = history_page(who.frame, events);
  co_return response;
}

awaitable<WebResponse> WebApp::act(const Signed& who, const WebRequest& request, int page,
                                   const std::string& id) {
  auto form = parse_form(request.body);
  approvals::Outcome<storage::AccessRequest> outcome;
  if (static_cast<Page>(page) == Page::review) {
    const std::string decision = form["decision"];
    if (decision != "approve" && decision != "deny") {
      co_return message(400, who.person, "Refused", "Choose approve or deny.", "/requests/" + id, "Back to the request");
    }
    std::string reason = form["reason"];
    if (reason.size() > kMaxReason) {
      co_return message(400, who.person, "Refused", "The reason is too long (at most 1000 bytes).", "/requests/" + id, "Back to the request");
    }
    auto review = [caller = who.caller, id, reason = std::move(reason),
                   verdict = decision == "approve" ? storage::Decision::approve : storage::Decision::deny](
                      approvals::RequestService& service) { return service.review(caller, id, verdict, reason); };
    outcome = co_await storage_.run(review, who.person);
  } else if (static_cast<Page>(page) == Page::cancel) {
    auto cancel = [caller = who.caller, id](approvals::RequestService& service) { return service.cancel(caller, id); };
    outcome = co_await storage_.run(cancel, who.person);
  } else {
    auto drop = [caller = who.caller, id](approvals::RequestService& service) { return service.drop(caller, id); };
    outcome = co_await storage_.run(drop, who.person);
  }
  if (auto* error = std::get_if<approvals::ServiceError>(&outcome)) {
    co_return message(status_of(error->kind), who.person, "Refused", error->message, "/requests/" + id, "Back to the request");
  }
  co_return redirect("/requests/" + id);
}

WebResponse WebApp::events(const Signed& who) {
  auto slot = streams_.try_open(who.person);
  if (!slot) return message(429, who.person, "Too many", "Too many live pages are open; close one and reload.");
  WebResponse response;
  std::function<awaitable<bool>()> still_signed_in = [this, hash = secret_hash(who.session_id),
                                                      person = who.person]() -> awaitable<bool> {
    auto read = [this, hash](approvals::RequestService&) {
      return storage_.store_on_worker().get_web_session(hash, std::chrono::system_clock::now()).has_value();
    };
    co_return co_await storage_.run(read, person);
  };
  response.stream = [this, person = who.person, slot, still_signed_in](StreamWrite write) {
    return stream_events(storage_.events(), storage_.config_snapshot(), person, slot, still_signed_in,
                         std::move(write));
  };
  return response;
}

}  // namespace holdgate::web
