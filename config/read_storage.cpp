// `storage:` which database holds the state. Same reader conventions as the other sections.
#include "config/sections.hpp"

namespace holdgate::config::detail {

StorageConfig read_storage(const Entry& e) {
  StorageConfig storage;
  Fields fields(e, {"postgres", "postgres_file"});
  auto dsn = fields.get("postgres");
  auto file = fields.get("postgres_file");
  if (dsn) storage.postgres = read_string(*dsn).value_or("");
  if (file) storage.postgres_file = read_path(*file).value_or("");
  if (dsn && file) {
    file->error("give either postgres or postgres_file, not both");
  }
  return storage;
}

}  // namespace holdgate::config::detail
