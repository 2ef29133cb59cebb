// asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): one JSON header line, then one
// JSON array per event, `[seconds, code, data]`. Pure: bytes in, lines out, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace holdgate::recording {

struct CastHeader {
  unsigned width = 80;
  unsigned height = 24;
  long long timestamp = 0;  // Unix time the session started
  std::string term;         // the client's TERM; no "env" when empty
  std::string title;
};

// The header line, newline included.
std::string cast_header(const CastHeader& header);

// What a stream of bytes was: output the user saw ("o": stdout and stderr, as their terminal
// mixed them) or what they typed ("i").
enum class Stream { output, error_output, input };

// Turns a channel's bytes into event lines. asciinema needs valid UTF-8 JSON strings: bytes that
// are not UTF-8 become U+FFFD, but a character split across two reads is held back until its
// last byte arrives, so text is never mangled by where a read happened to end.
class CastEncoder {
 public:
  // The event line for `bytes` of `stream` at `seconds` into the recording; empty when nothing
  // complete is left to write (all of it is the start of a character).
  std::string data(double seconds, Stream stream, std::string_view bytes);
  std::string resize(double seconds, unsigned columns, unsigned rows);  // "r", "COLSxROWS"
  std::string marker(double seconds, std::string_view label);          // "m"
  // The bytes still held back (a character that never finished), as their own events.
  std::string finish(double seconds);

 private:
  std::array<std::string, 3> held_;  // per Stream
};

// How many bytes at the end of `bytes` are the start of a UTF-8 character that is not complete
// yet (0 to 3); 0 also when those bytes could never become a valid character.
std::size_t incomplete_utf8_tail(std::string_view bytes);

}  // namespace holdgate::recording
