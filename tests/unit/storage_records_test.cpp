// The text forms of request states and decisions, as people, JSON and the database see them.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "storage/records.hpp"

namespace st = holdgate::storage;

TEST_CASE("request states print in uppercase and parse back", "[storage]") {
  using S = st::RequestState;
  const std::pair<S, std::string> table[] = {{S::pending, "PENDING"},
                                             {S::approved, "APPROVED"},
                                             {S::denied, "DENIED"},
                                             {S::expired, "EXPIRED"},
                                             {S::cancelled, "CANCELLED"}};
  for (const auto& [state, text] : table) {
    CAPTURE(text);
    CHECK(std::string(st::to_string(state)) == text);
    CHECK(st::parse_request_state(text) == state);
    std::string lower;
    for (char c : text) lower += static_cast<char>(c - 'A' + 'a');
    CHECK(st::parse_request_state(lower) == state);
  }
}

TEST_CASE("anything but exact uppercase or lowercase state names is rejected", "[storage]") {
  for (const char* text : {"", "Pending", "pENDING", "PENDING ", " pending", "PEND", "PENDINGS",
                           "approve", "canceled", "UNKNOWN"}) {
    CAPTURE(text);
    CHECK_FALSE(st::parse_request_state(text).has_value());
  }
}

TEST_CASE("decisions print as APPROVE and DENY", "[storage]") {
  CHECK(std::string(st::to_string(st::Decision::approve)) == "APPROVE");
  CHECK(std::string(st::to_string(st::Decision::deny)) == "DENY");
}
