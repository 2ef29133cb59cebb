#include "recording/asciicast.hpp"

#include <cstdio>

#include "approvals/json.hpp"

namespace holdgate::recording {
namespace {

std::string event_line(double seconds, std::string_view code, std::string_view text) {
  char time[32];
  std::snprintf(time, sizeof time, "%.6f", seconds < 0 ? 0.0 : seconds);
  // json_quote turns what is not UTF-8 into U+FFFD and escapes control characters, which
  // asciinema decodes back to the same characters: the terminal sees what the user saw.
  std::string line;
  line.reserve(text.size() + text.size() / 8 + 48);
  line.append("[").append(time).append(", \"").append(code).append("\", ");
  approvals::append_json_quoted(line, text);
  line.append("]\n");
  return line;
}

// Length of the UTF-8 sequence `lead` starts, 0 for a byte that cannot start one.
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// RFC 3629's limits on the second byte, which rule out overlong forms, surrogates and code
// points past U+10FFFF.
bool valid_second(unsigned char lead, unsigned char second) {
  if ((second & 0xC0) != 0x80) return false;
  if (lead == 0xE0) return second >= 0xA0;
  if (lead == 0xED) return second <= 0x9F;
  if (lead == 0xF0) return second >= 0x90;
  if (lead == 0xF4) return second <= 0x8F;
  return true;
}

}  // namespace

std::size_t incomplete_utf8_tail(std::string_view bytes) {
  for (std::size_t k = 1; k <= 3 && k <= bytes.size(); ++k) {
    auto c = static_cast<unsigned char>(bytes[bytes.size() - k]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: its lead is further back
    std::size_t need = sequence_length(c);
    if (need <= k) return 0;  // complete (or not UTF-8 at all: replaced, not held)
    if (k >= 2 && !valid_second(c, static_cast<unsigned char>(bytes[bytes.size() - k + 1]))) return 0;
    return k;
  }
  return 0;
}

std::string cast_header(const CastHeader& header) {
  approvals::JsonWriter json;
  json.begin_object()
      .key("version").value(2)
      .key("width").value(header.width)
      .key("height").value(header.height)
      .key("timestamp").value(header.timestamp);
  if (!header.term.empty()) json.key("env").begin_object().key("TERM").value(header.term).end_object();
  if (!header.title.empty()) json.key("title").value(header.title);
  json.end_object();
  return json.str() + "\n";
}

std::string CastEncoder::data(double seconds, Stream stream, std::string_view bytes) {
  std::string& held = held_[static_cast<std::size_t>(stream)];
  std::string joined;
  if (!held.empty()) {
    joined = std::move(held) + std::string(bytes);
    held.clear();
    bytes = joined;
  }
  std::size_t tail = incomplete_utf8_tail(bytes);
  held.assign(bytes.substr(bytes.size() - tail));
  bytes.remove_suffix(tail);
  if (bytes.empty()) return {};
  return event_line(seconds, stream == Stream::input ? "i" : "o", bytes);
}

std::string CastEncoder::resize(double seconds, unsigned columns, unsigned rows) {
  return event_line(seconds, "r", std::to_string(columns) + "x" + std::to_string(rows));
}

std::string CastEncoder::marker(double seconds, std::string_view label) {
  return event_line(seconds, "m", label);
}

std::string CastEncoder::finish(double seconds) {
  std::string lines;
  for (std::size_t i = 0; i < held_.size(); ++i) {
    if (held_[i].empty()) continue;
    lines += event_line(seconds, i == static_cast<std::size_t>(Stream::input) ? "i" : "o", held_[i]);
    held_[i].clear();
  }
  return lines;
}

}  // namespace holdgate::recording
