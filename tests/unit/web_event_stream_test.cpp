// The /events wire format (the contract with app.js) and the stream caps.
#include <catch2/catch.hpp>

#include "web/event_stream.hpp"

using namespace holdgate::web;
namespace st = holdgate::storage;

TEST_CASE("events: one SSE message per change, kind from the event", "[web][events]") {
  holdgate::approvals::RequestChange change;
  change.event = "request.created";
  change.request.id = "abc-1";
  change.request.state = st::RequestState::pending;
  CHECK(event_message(change) == "event: request\ndata: {\"id\":\"abc-1\",\"state\":\"PENDING\",\"kind\":\"created\"}\n\n");
  change.event = "request.reviewed";
  CHECK(event_kind(change) == "reviewed");
  change.request.state = st::RequestState::approved;
  CHECK(event_kind(change) == "resolved");
  change.event = "request.approved";
  CHECK(event_kind(change) == "resolved");
  change.request.id = "a\"\n<b>";
  CHECK(event_message(change).find('\n') == std::string("event: request").size());
  CHECK(event_message(change).find("\"a\\\"\\n<b>\"") != std::string::npos);
}

TEST_CASE("events: streams capped per person and overall, slots given back", "[web][events]") {
  StreamSlots slots({3, 2});
  auto a1 = slots.try_open("alice");
  auto a2 = slots.try_open("alice");
  CHECK(a1);
  CHECK(a2);
  CHECK_FALSE(slots.try_open("alice"));
  auto b1 = slots.try_open("bob");
  CHECK(b1);
  CHECK_FALSE(slots.try_open("carol"));  // overall
  a1.reset();
  CHECK(slots.try_open("carol"));
}
