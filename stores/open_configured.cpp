#include "stores/open_configured.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace holdgate::stores {

std::filesystem::path sqlite_path(const config::Config& config) {
  return config.state_dir / "holdgate.db";
}

bool uses_postgres(const config::StorageConfig& storage) {
  return !storage.postgres.empty() || !storage.postgres_file.empty();
}

namespace {

std::string octal_mode(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

}  // namespace

std::variant<std::string, storage::StoreError> configured_dsn(const config::StorageConfig& storage) {
  if (storage.postgres_file.empty()) return storage.postgres;
  const std::string path = storage.postgres_file.string();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return storage::StoreError{"cannot read the DSN file " + path + ": " + std::strerror(errno)};
  }
  // 0600 or 0640 (a group that may read it, e.g. holdgate's): never writable by the group,
  // never readable by others.
  if ((info.st_mode & 0027) != 0) {
    return storage::StoreError{"the DSN file " + path + " has mode " + octal_mode(info.st_mode) +
                               " but holds a password; make it 0600 or 0640"};
  }
  std::ifstream in(path);
  if (!in) return storage::StoreError{"cannot read the DSN file " + path};
  std::ostringstream text;
  text << in.rdbuf();
  std::string dsn = text.str();
  while (!dsn.empty() && (dsn.back() == '\n' || dsn.back() == '\r' || dsn.back() == ' ')) {
    dsn.pop_back();
  }
  if (dsn.empty()) return storage::StoreError{"the DSN file " + path + " is empty"};
  return dsn;
}

std::variant<std::unique_ptr<storage::Store>, storage::StoreError> open_configured_store(
    const config::Config& config, Create create, std::string origin) {
  if (!uses_postgres(config.storage)) {
    const auto path = sqlite_path(config);
    std::error_code ec;
    if (create == Create::no && !std::filesystem::exists(path, ec)) {
      return storage::StoreError{"there is no audit trail at " + path.string()};
    }
    return storage::open_sqlite_store(path.string(), std::move(origin));
  }
  auto dsn = configured_dsn(config.storage);
  if (auto* error = std::get_if<storage::StoreError>(&dsn)) return *error;
  return storage::open_postgres_store(std::get<std::string>(dsn), std::move(origin));
}

}  // namespace holdgate::stores
