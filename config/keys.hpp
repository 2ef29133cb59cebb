// Internal: splitting one authorized_keys line into type, blob and comment.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace holdgate::config::detail {

struct KeyParse {
  std::optional<AuthorizedKey> key;
  std::string problem;  // set when key is not
};

// Accepts "TYPE BLOB [comment]". The blob is only checked for base64 characters (and '.', so
// documentation placeholders like "AAAAC3Nz..." load); a real key is verified at login.
KeyParse parse_authorized_key(std::string_view line);

}  // namespace holdgate::config::detail
