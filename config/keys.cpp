#include "config/keys.hpp"

#include <algorithm>
#include <array>

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
         c == '/' || c == '=' || c == '.';
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
      return fail("key options are not supported; the line must start with the key type");
    }
    return fail("unknown key type '" + std::string(type) + "' (supported: " + supported_types() +
                ")");
  }

  auto blob = next_word(rest);
  if (blob.empty()) return fail("the key data is missing after '" + std::string(type) + "'");
  if (!std::all_of(blob.begin(), blob.end(), is_blob_char)) {
    return fail("the key data '" + std::string(blob) + "' is not base64");
  }
  return {AuthorizedKey{std::string(type), std::string(blob), std::string(rest)}, {}};
}

}  // namespace holdgate::config::detail
