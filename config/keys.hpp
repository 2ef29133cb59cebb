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
  bool options = false;  // the line starts with authorized_keys options (refused, see below)
};

// Accepts "TYPE BLOB [comment]" where BLOB is strict base64 of a public key of TYPE (its wire
// format: the same type name, then the key's fields, complete and nothing after), as OpenSSH
// reads authorized_keys. A placeholder ("AAAAC3Nz...") or damaged line is refused: it could
// never match a client's key. Signatures are verified at login, not here.
KeyParse parse_authorized_key(std::string_view line);

}  // namespace holdgate::config::detail
