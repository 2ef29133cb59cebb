// What an approval hook prints (approvals/hook_protocol.hpp) and the strict JSON reader under
// it (approvals/json_reader.hpp). A value read, written out by JsonWriter and read again is the
// same value; a verdict's reason is bounded, valid UTF-8 and free of NUL.
#include <string>

#include "approvals/hook_protocol.hpp"
#include "approvals/json.hpp"
#include "approvals/json_reader.hpp"
#include "approvals/request_rules.hpp"
#include "fuzz_check.hpp"
#include "policy/sanitize.hpp"

namespace {

using holdgate::fuzz::as_text;
using holdgate::fuzz::valid_utf8;
namespace ap = holdgate::approvals;

void write(ap::JsonWriter& json, const ap::JsonValue& value) {
  if (value.is_null()) json.null();
  else if (auto* b = value.as_bool()) json.value(*b);
  else if (auto* n = value.as_number()) json.value(*n);
  else if (auto* s = value.as_string()) json.value(*s);
  else if (auto* array = value.as_array()) {
    json.begin_array();
    for (const auto& item : *array) write(json, item);
    json.end_array();
  } else {
    json.begin_object();
    for (const auto& member : *value.as_object()) {
      json.key(member.key);
      write(json, member.value);
    }
    json.end_object();
  }
}

bool same(const ap::JsonValue& a, const ap::JsonValue& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.as_bool() || b.as_bool()) return a.as_bool() && b.as_bool() && *a.as_bool() == *b.as_bool();
  if (a.as_number() || b.as_number()) {
    return a.as_number() && b.as_number() && *a.as_number() == *b.as_number();
  }
  if (a.as_string() || b.as_string()) {
    return a.as_string() && b.as_string() && *a.as_string() == *b.as_string();
  }
  if (a.as_array() || b.as_array()) {
    if (!a.as_array() || !b.as_array() || a.as_array()->size() != b.as_array()->size()) return false;
    for (std::size_t i = 0; i < a.as_array()->size(); ++i) {
      if (!same((*a.as_array())[i], (*b.as_array())[i])) return false;
    }
    return true;
  }
  const auto& x = *a.as_object();
  const auto& y = *b.as_object();
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].key != y[i].key || !same(x[i].value, y[i].value)) return false;
  }
  return true;
}


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);

  auto parsed = ap::parse_json(text);
  if (auto* value = std::get_if<ap::JsonValue>(&parsed)) {
    ap::JsonWriter json;
    write(json, *value);
    auto again = ap::parse_json(json.str());
    FUZZ_CHECK(std::holds_alternative<ap::JsonValue>(again));
    FUZZ_CHECK(same(*value, std::get<ap::JsonValue>(again)));
  } else {
    const auto& error = std::get<ap::JsonError>(parsed);
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(error.offset <= text.size());
  }

  auto verdict = ap::parse_hook_output(text);
  if (auto* answer = std::get_if<ap::HookVerdict>(&verdict)) {
    FUZZ_CHECK(answer->reason.size() <= ap::max_reason_bytes);
    FUZZ_CHECK(answer->reason.find('\0') == std::string::npos);
    FUZZ_CHECK(valid_utf8(answer->reason));
    // Only a well-formed answer approves: never one the reader refused.
    if (answer->decision == ap::HookDecision::approve) {
      FUZZ_CHECK(std::holds_alternative<ap::JsonValue>(parsed));
    }
  } else {
    FUZZ_CHECK(!std::get<std::string>(verdict).empty());
  }
  return 0;
}
