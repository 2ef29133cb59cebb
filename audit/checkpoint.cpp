#include "audit/checkpoint.hpp"

#include <charconv>
#include <vector>

#include "approvals/json.hpp"

namespace holdgate::audit {

namespace {

bool is_hex(std::string_view text, std::size_t size) {
  if (text.size() != size) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// Words of letters, digits, '=', '.', '_' and '-': whatever surrounds the line (a log line's
// quotes, a webhook body's JSON punctuation) falls away.
std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::string word;
  for (char c : line) {
    const bool part = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '=' || c == '.' || c == '_' || c == '-';
    if (part) {
      word.push_back(c);
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

}  // namespace

std::string checkpoint_message(long id, std::string_view hash) {
  return "holdgate audit checkpoint v1 id=" + std::to_string(id) + " hash=" + std::string(hash);
}

std::string checkpoint_line(const Checkpoint& c) {
  return "audit.checkpoint id=" + std::to_string(c.id) + " hash=" + c.hash + " key=" + c.key +
         " signature=" + c.signature;
}

std::variant<Checkpoint, std::string> parse_checkpoint_line(std::string_view line) {
  Checkpoint checkpoint;
  bool has_id = false;
  for (const std::string& word : words(line)) {
    auto value = [&](std::string_view key) -> std::optional<std::string_view> {
      if (word.size() > key.size() && word.compare(0, key.size(), key) == 0) {
        return std::string_view(word).substr(key.size());
      }
      return std::nullopt;
    };
    if (auto id = value("id=")) {
      long parsed = 0;
      auto [end, ec] = std::from_chars(id->data(), id->data() + id->size(), parsed);
      if (ec != std::errc{} || end != id->data() + id->size() || parsed < 1) {
        return "the checkpoint's id '" + std::string(*id) + "' is not an event number";
      }
      checkpoint.id = parsed;
      has_id = true;
    } else if (auto hash = value("hash=")) {
      checkpoint.hash = *hash;
    } else if (auto key = value("key=")) {
      checkpoint.key = *key;
    } else if (auto signature = value("signature=")) {
      checkpoint.signature = *signature;
    }
  }
  if (!has_id || checkpoint.hash.empty() || checkpoint.signature.empty()) {
    return std::string("that is not a checkpoint line: it needs id=, hash= and signature= "
                       "(as in 'audit.checkpoint id=42 hash=... key=... signature=...')");
  }
  if (!is_hex(checkpoint.hash, 64)) return std::string("the checkpoint's hash is not 64 hex digits");
  if (!is_hex(checkpoint.signature, 128)) {
    return std::string("the checkpoint's signature is not 128 hex digits");
  }
  if (!checkpoint.key.empty() && !is_hex(checkpoint.key, 64)) {
    return std::string("the checkpoint's key is not 64 hex digits");
  }
  return checkpoint;
}

std::string checkpoint_json(const Checkpoint& c) {
  approvals::JsonWriter json;
  json.begin_object();
  json.key("event").value("audit.checkpoint");
  json.key("id").value(c.id);
  json.key("hash").value(c.hash);
  json.key("key").value(c.key);
  json.key("signature").value(c.signature);
  json.key("line").value(checkpoint_line(c));
  json.end_object();
  return json.str();
}

std::string checkpoint_slack(const Checkpoint& c) {
  approvals::JsonWriter json;
  json.begin_object();
  // Only digits, hex and fixed words: nothing in it for mrkdwn to act on.
  json.key("text").value("holdgate audit checkpoint for event " + std::to_string(c.id) +
                         "; keep it, check with `holdgate audit verify --checkpoint '" +
                         checkpoint_line(c) + "'`");
  json.end_object();
  return json.str();
}

bool checkpoint_due(const config::AuditSettings& settings, const CheckpointClock& last,
                    long newest_id, std::chrono::steady_clock::time_point now) {
  if (newest_id <= last.signed_id) return false;
  if (settings.checkpoint_every > 0 && newest_id - last.signed_id >= settings.checkpoint_every) {
    return true;
  }
  return settings.checkpoint_interval.count() > 0 &&
         now - last.signed_at >= settings.checkpoint_interval;
}

}  // namespace holdgate::audit
