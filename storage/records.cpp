#include "storage/records.hpp"

#include <array>
#include <utility>

namespace holdgate::storage {

namespace {

// One table serves both directions, so a new state cannot be printable but unparsable.
constexpr std::array<std::pair<RequestState, const char*>, 7> kStateNames{{
    {RequestState::pending, "PENDING"},
    {RequestState::approved, "APPROVED"},
    {RequestState::denied, "DENIED"},
    {RequestState::expired, "EXPIRED"},
    {RequestState::cancelled, "CANCELLED"},
    {RequestState::revoked, "REVOKED"},
    {RequestState::dropped, "DROPPED"},
}};

// ASCII only: state names are ASCII and std::tolower would depend on the locale.
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_lowercase_of(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != lower(upper[i])) return false;
  }
  return true;
}

}  // namespace

const char* to_string(RequestState state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) return name;
  }
  return "UNKNOWN";  // only reachable through a cast of an out-of-range value
}

// Exactly "PENDING" or exactly "pending": people type lowercase, the store and JSON use
// uppercase. Mixed case ("Pending") is more likely a typo in a script than intent, so it fails.
std::optional<RequestState> parse_request_state(std::string_view text) {
  for (const auto& [value, name] : kStateNames) {
    if (text == name || equals_lowercase_of(text, name)) return value;
  }
  return std::nullopt;
}

const char* to_string(Decision decision) {
  return decision == Decision::approve ? "APPROVE" : "DENY";
}

namespace {
constexpr std::pair<Ratification, const char*> kRatificationNames[] = {
    {Ratification::none, ""},
    {Ratification::awaiting, "AWAITING"},
    {Ratification::ratified, "RATIFIED"},
    {Ratification::rejected, "REJECTED"},
    {Ratification::unratified, "UNRATIFIED"},
};
}  // namespace

const char* to_string(Ratification ratification) {
  for (const auto& [value, name] : kRatificationNames) {
    if (value == ratification) return name;
  }
  return "";
}

std::optional<Ratification> parse_ratification(std::string_view text) {
  for (const auto& [value, name] : kRatificationNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace holdgate::storage
