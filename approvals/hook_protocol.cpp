#include "approvals/hook_protocol.hpp"

#include "approvals/json.hpp"
#include "approvals/json_reader.hpp"
#include "approvals/render.hpp"
#include "approvals/request_rules.hpp"
#include "approvals/scope_words.hpp"

namespace holdgate::approvals {
namespace {

void optional_string(JsonWriter& json, std::string_view key, const std::string& value) {
  json.key(key);
  if (value.empty()) json.null();
  else json.value(value);
}

// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  text.resize(end);
  return text;
}

}  // namespace

std::string hook_input(const config::Config& config, const RequestChange& created) {
  const auto& request = created.request;
  JsonWriter json;
  json.begin_object();
  json.key("id").value(request.id);
  json.key("user").value(request.user);
  json.key("traits").begin_object();
  if (const config::User* user = config.find_user(request.user)) {
    for (const auto& [name, value] : user->traits) json.key(name).value(value);
  }
  json.end_object();
  json.key("roles").begin_array();
  for (const auto& role : request.roles) json.value(role);
  json.end_array();
  json.key("reason").value(request.reason);
  optional_string(json, "login", request.login);
  optional_string(json, "target", request.target);
  json.key("scope").value(scope_words(config, request));
  optional_string(json, "source", created.source.empty() ? request.source : created.source);
  optional_string(json, "key_fingerprint", created.key_fingerprint);
  json.key("created").value(rfc3339(request.created));
  json.end_object();
  return json.str();
}

std::variant<HookVerdict, std::string> parse_hook_output(std::string_view output) {
  if (output.size() > max_hook_output) return std::string("output is larger than 64 KiB");
  if (output.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return std::string("no output (expected a JSON object with \"decision\")");
  }
  auto parsed = parse_json(output);
  if (auto* error = std::get_if<JsonError>(&parsed)) {
    return "output is not JSON: " + error->message + " at byte " + std::to_string(error->offset);
  }
  const auto& value = std::get<JsonValue>(parsed);
  if (value.as_object() == nullptr) return std::string("output is not a JSON object");

  HookVerdict verdict;
  const JsonValue* decision = value.find("decision");
  if (decision == nullptr) return std::string("\"decision\" is missing");
  const std::string* word = decision->as_string();
  if (word == nullptr) return std::string("\"decision\" is not a string");
  if (*word == "approve") verdict.decision = HookDecision::approve;
  else if (*word == "deny") verdict.decision = HookDecision::deny;
  else if (*word == "none") verdict.decision = HookDecision::none;
  else return std::string("\"decision\" must be \"approve\", \"deny\" or \"none\"");

  if (const JsonValue* reason = value.find("reason"); reason != nullptr && !reason->is_null()) {
    const std::string* text = reason->as_string();
    if (text == nullptr) return std::string("\"reason\" is not a string");
    if (text->find('\0') != std::string::npos) return std::string("\"reason\" contains NUL");
    verdict.reason = cut_utf8(*text, max_reason_bytes);
  }
  return verdict;
}

}  // namespace holdgate::approvals
