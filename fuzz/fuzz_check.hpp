// What every harness shares: the input as text, and a check that stops the run with a message.
// libFuzzer counts an abort as a crash and keeps the input in fuzz/findings/, so an invariant
// that does not hold is a finding just as a sanitizer report is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "policy/sanitize.hpp"

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "==fuzz== invariant failed: %s (%s:%d)\n", #condition, __FILE__, \
                   __LINE__);                                                              \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace holdgate::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// No byte a terminal acts on: C0 controls, DEL, and C1 controls in their UTF-8 form
// (U+0080-U+009F, bytes C2 80-C2 9F). What every sentence meant for a person must satisfy.
inline bool has_no_control_bytes(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return false;
    }
  }
  return true;
}

// Every byte is part of a well-formed UTF-8 sequence (policy's one decoder says so).
inline bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t length = policy::decode_utf8(text, i, cp);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace holdgate::fuzz
