#include "config/keys.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace holdgate::config::detail {
namespace {

constexpr std::array<std::string_view, 7> kKeyTypes = {
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

bool is_key_type(std::string_view word) {
  return std::find(kKeyTypes.begin(), kKeyTypes.end(), word) != kKeyTypes.end();
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

bool is_blob_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict base64 as OpenSSH reads it: whole quads, '=' padding only at the very end.
std::optional<std::string> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  std::string out;
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    const int value = base64_value(text[i]);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    if (i % 4 == 3) {
      out += static_cast<char>(bits >> 16);
      out += static_cast<char>(bits >> 8);
      out += static_cast<char>(bits);
      bits = 0;
    }
  }
  if (padding == 2) out += static_cast<char>(bits >> 4);
  if (padding == 1) {
    out += static_cast<char>(bits >> 10);
    out += static_cast<char>(bits >> 2);
  }
  return out;
}

// Reads the SSH wire format (RFC 4251 5) of a public key blob.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : rest_(data) {}

  // A uint32-length-prefixed string; nullopt when the data ends too soon.
  std::optional<std::string_view> string() {
    if (rest_.size() < 4) return std::nullopt;
    std::uint32_t length = 0;
    for (int k = 0; k < 4; ++k) length = (length << 8) | static_cast<unsigned char>(rest_[k]);
    rest_.remove_prefix(4);
    if (length > rest_.size()) return std::nullopt;
    auto value = rest_.substr(0, length);
    rest_.remove_prefix(length);
    return value;
  }
  bool at_end() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// Whether the fields after the type name are what a key of `type` holds, and nothing more.
bool holds_key_of_type(std::string_view type, WireReader& wire) {
  auto sized = [&](std::size_t size) {
    auto field = wire.string();
    return field && field->size() == size;
  };
  auto nonempty = [&] {
    auto field = wire.string();
    return field && !field->empty();
  };
  // An uncompressed EC point on the named curve: 0x04, then X and Y.
  auto curve_point = [&](std::string_view curve, std::size_t coordinate_bytes) {
    auto name = wire.string();
    auto point = wire.string();
    return name && *name == curve && point && point->size() == 1 + 2 * coordinate_bytes &&
           (*point)[0] == '\x04';
  };
  bool complete = false;
  if (type == "ssh-ed25519") complete = sized(32);
  else if (type == "ssh-rsa") complete = nonempty() && nonempty();  // e, n
  else if (type == "ecdsa-sha2-nistp256") complete = curve_point("nistp256", 32);
  else if (type == "ecdsa-sha2-nistp384") complete = curve_point("nistp384", 48);
  else if (type == "ecdsa-sha2-nistp521") complete = curve_point("nistp521", 66);
  else if (type == "sk-ssh-ed25519@openssh.com") complete = sized(32) && nonempty();  // + application
  else if (type == "sk-ecdsa-sha2-nistp256@openssh.com") {
    complete = curve_point("nistp256", 32) && nonempty();
  }
  return complete && wire.at_end();
}

// Why the base64 key data is not a public key of `type`, or empty when it is one. Such a line
// could never match a client's key, so it is refused here instead of being silently useless.
std::string blob_problem(std::string_view type, std::string_view blob) {
  auto data = decode_base64(blob);
  if (!data) return "the key data is not valid base64 (truncated or damaged?)";
  WireReader wire(*data);
  auto inner_type = wire.string();
  if (!inner_type) return "the key data does not hold a " + std::string(type) + " key";
  if (*inner_type != type) {
    return "the key data holds a '" + std::string(*inner_type) + "' key, not '" +
           std::string(type) + "'";
  }
  if (!holds_key_of_type(type, wire)) {
    return "the key data does not hold a complete " + std::string(type) +
           " key (truncated or damaged?)";
  }
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits off the first whitespace-separated word; `rest` keeps its inner spacing.
std::string_view next_word(std::string_view& rest) {
  rest = trim(rest);
  auto end = std::find_if(rest.begin(), rest.end(), is_space) - rest.begin();
  auto word = rest.substr(0, end);
  rest = trim(rest.substr(end));
  return word;
}

std::string supported_types() {
  std::string list;
  for (auto type : kKeyTypes) list += (list.empty() ? "" : ", ") + std::string(type);
  return list;
}

KeyParse fail(std::string problem) { return {std::nullopt, std::move(problem)}; }

}  // namespace

KeyParse parse_authorized_key(std::string_view line) {
  std::string_view rest = line;
  auto type = next_word(rest);
  if (type.empty()) return fail("the key line is empty");

  if (!is_key_type(type)) {
    // Options come first in authorized_keys (`from="..." ssh-ed25519 ...`, `no-pty ssh-rsa ...`).
    // Honouring some and ignoring others would be a silent security gap, so none are accepted.
    bool looks_like_options = type.find_first_of("=\",") != std::string_view::npos;
    for (auto after = rest; !after.empty() && !looks_like_options;) {
      looks_like_options = is_key_type(next_word(after));
    }
    if (looks_like_options) {
      auto parse = fail("key options are not supported; the line must start with the key type");
      parse.options = true;
      return parse;
    }
    return fail("unknown key type '" + std::string(type) + "' (supported: " + supported_types() +
                ")");
  }

  auto blob = next_word(rest);
  if (blob.empty()) return fail("the key data is missing after '" + std::string(type) + "'");
  if (!std::all_of(blob.begin(), blob.end(), is_blob_char)) {
    return fail("the key data '" + std::string(blob) + "' is not base64");
  }
  if (auto problem = blob_problem(type, blob); !problem.empty()) return fail(problem);
  return {AuthorizedKey{std::string(type), std::string(blob), std::string(rest)}, {}};
}

}  // namespace holdgate::config::detail
