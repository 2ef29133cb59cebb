// GET /events: Server-Sent Events for the signed-in reviewer, pushed from the request service's
// change events (StorageWorker::events(), on the loop) — no polling. The page's script
// (web/assets.cpp, app.js) consumes them; the page works without them.
//
// Wire format (the contract with app.js):
//   retry: 5000                        once, first
//   event: request
//   data: {"id":"<request id>","state":"PENDING|APPROVED|DENIED|EXPIRED|CANCELLED|REVOKED|DROPPED","kind":"created|reviewed|resolved"}
//                                      one per change of a request that concerns this person
//                                      (their own, or one they may review: watch_concerns)
//   : keepalive                        a comment every 15 s of silence
// kind: created = request.created; reviewed = a review or a hook's answer that left it
// PENDING; resolved = any other change (approved, denied, expired, cancelled, revoked,
// dropped, used, ended, ratified...). The stream ends after 30 minutes (EventSource reconnects),
// when the browser stops reading, when it falls 64 events behind, or when its session has
// ended (checked at each keepalive: `web logout --all` on any bastion ends it within 15 s).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "approvals/request_events.hpp"
#include "config/config.hpp"
#include "web/http_server.hpp"

namespace holdgate::web {

// The `data:` JSON of one change; kind as above.
std::string event_kind(const approvals::RequestChange& change);
std::string event_message(const approvals::RequestChange& change);

// Counts the streams open, overall and per person; try_open refuses beyond the caps.
class StreamSlots {
 public:
  struct Limits {
    int overall = 32;
    int per_person = 4;
  };
  StreamSlots() : StreamSlots(Limits{}) {}
  explicit StreamSlots(Limits limits) : limits_(limits) {}
  // A slot held until the returned handle is destroyed; null when over a cap.
  std::shared_ptr<void> try_open(const std::string& person);

 private:
  struct Counts {
    int overall = 0;
    std::map<std::string, int, std::less<>> by_person;
  };
  Limits limits_;
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

// Streams `person`'s events until one of the ends above. `config` decides what concerns them.
// `still_signed_in` is asked at each keepalive.
awaitable<void> stream_events(approvals::RequestEvents& events,
                              std::shared_ptr<const config::Config> config,
                              std::string person, std::shared_ptr<void> slot,
                              std::function<awaitable<bool>()> still_signed_in, StreamWrite write);

}  // namespace holdgate::web
