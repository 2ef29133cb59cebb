#include "policy/file_modes.hpp"

#include <cstdio>

#include "policy/sanitize.hpp"

namespace holdgate::policy {
namespace {

constexpr unsigned group_and_others = 077;

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

}  // namespace

std::optional<std::string> private_key_mode_problem(std::string_view path, unsigned mode,
                                                    bool owned_by_us) {
  if (!owned_by_us || (mode & group_and_others) == 0) return std::nullopt;
  return "permissions " + octal(mode) + " for '" + sanitize(path) +
         "' are too open: a private key must not be accessible by group or others (chmod 600 it)";
}

std::optional<std::string> state_dir_mode_problem(std::string_view path, unsigned mode) {
  if ((mode & group_and_others) == 0) return std::nullopt;
  return "permissions " + octal(mode) + " for state_dir '" + sanitize(path) +
         "' are too open: it holds private keys and the request database, so it must not be "
         "accessible by group or others (chmod 700 it)";
}

}  // namespace holdgate::policy
