#include "doctor/file_checks.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/file_modes.hpp"

namespace holdgate::doctor {

bool path_exists(const std::filesystem::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::optional<std::string> write_problem(const std::filesystem::path& dir) {
  // access() answers for this user, root included: a read-only mount or an immutable
  // directory refuses even root.
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return dir.string() + " is not writable by this user: " + std::strerror(errno);
  }
  return std::nullopt;
}

std::optional<std::string> creation_problem(const std::filesystem::path& path) {
  auto ancestor = path.parent_path();
  while (!ancestor.empty() && !path_exists(ancestor)) {
    if (ancestor == ancestor.parent_path()) break;
    ancestor = ancestor.parent_path();
  }
  if (ancestor.empty()) ancestor = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(ancestor, ec)) {
    return "cannot create " + path.string() + ": " + ancestor.string() + " is not a directory";
  }
  if (auto problem = write_problem(ancestor)) return "cannot create " + path.string() + ": " + *problem;
  return std::nullopt;
}

std::optional<std::string> private_mode_problem(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return "cannot read " + path.string() + ": " + std::strerror(errno);
  }
  return policy::private_key_mode_problem(path.string(), st.st_mode, st.st_uid == ::geteuid());
}

}  // namespace holdgate::doctor
