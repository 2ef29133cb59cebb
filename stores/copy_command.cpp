#include "stores/copy_command.hpp"

#include "storage/dump.hpp"
#include "storage/postgres_handles.hpp"

namespace holdgate::stores {

namespace {

std::string describe(const storage::Counts& counts) {
  return std::to_string(counts.requests) + " requests, " + std::to_string(counts.reviews) +
         " reviews, " + std::to_string(counts.grants) + " grants, " +
         std::to_string(counts.locks) + " locks, " + std::to_string(counts.audit) +
         " audit events";
}

}  // namespace

int run_storage_copy(const std::string& from, const std::string& to, std::ostream& out,
                     std::ostream& err) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (!from.starts_with(kSqlite) || from.size() == kSqlite.size()) {
    err << "holdgate: --from must be sqlite:PATH (the SQLite file to copy)\n";
    return 1;
  }
  if (!to.starts_with("postgresql://") && !to.starts_with("postgres://")) {
    err << "holdgate: --to must be a postgresql:// DSN\n";
    return 1;
  }
  const std::string path = from.substr(kSqlite.size());
  auto read = storage::read_sqlite_contents(path);
  if (auto* error = std::get_if<storage::StoreError>(&read)) {
    err << "holdgate: " << error->message << '\n';
    return 1;
  }
  const auto& contents = std::get<storage::Contents>(read);
  const storage::Counts expected = storage::count(contents);
  out << "read from " << path << ": " << describe(expected) << '\n';
  auto written = storage::write_postgres_contents(to, contents);
  if (auto* error = std::get_if<storage::StoreError>(&written)) {
    err << "holdgate: " << error->message << '\n';
    return 1;
  }
  const auto& counts = std::get<storage::Counts>(written);
  const std::string where = storage::postgres::describe_dsn(to);
  if (!(counts == expected)) {
    err << "holdgate: the copy in " << where << " holds " << describe(counts) << ", not "
        << describe(expected) << '\n';
    return 3;
  }
  out << "copied to " << where << ": " << describe(counts) << " (counts match)\n";
  return 0;
}

}  // namespace holdgate::stores
