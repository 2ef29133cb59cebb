// write_postgres_contents: rows written as they were (ids, versions, hashes), into an empty
// database, in one transaction.
#include "storage/dump.hpp"
#include "storage/postgres_connect.hpp"
#include "storage/postgres_rows.hpp"
#include "storage/row_values.hpp"

namespace holdgate::storage {

namespace {

using postgres::Params;
using postgres::run;

std::int64_t count_rows(PGconn* conn, const char* table) {
  return run(conn, std::string("SELECT count(*) FROM ") + table).integer(0, 0);
}

void write_rows(PGconn* conn, const Contents& contents) {
  for (const auto& request : contents.requests) {
    postgres::insert_request(conn, request, request.version);
  }
  for (const auto& grant : contents.grants) {
    run(conn,
        "INSERT INTO grants (user_name, role, request_id, expires, login, target)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        Params()
            .text(grant.user)
            .text(grant.role)
            .text(grant.request_id)
            .integer(to_millis(grant.expires))
            .text(grant.login)
            .text(grant.target));
  }
  for (const auto& lock : contents.locks) {
    postgres::insert_lock(conn, lock);
  }
  // As stored, hashes included: the copy verifies because nothing about an event changed.
  for (const auto& event : contents.audit) {
    run(conn,
        "INSERT INTO audit (id, at, kind, actor, source, subject, details, prev_hash, hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        Params()
            .integer(event.id)
            .integer(to_millis(event.at))
            .text(event.kind)
            .text(event.actor)
            .text(event.source)
            .text(event.subject)
            .bytes(event.details)
            .text(event.prev_hash)
            .text(event.hash));
  }
  if (!contents.audit.empty()) {
    // The next append continues the copied chain.
    run(conn, "UPDATE audit_head SET id = $1, hash = $2",
        Params().integer(contents.audit.back().id).text(contents.audit.back().hash));
  }
}

}  // namespace

std::variant<Counts, StoreError> write_postgres_contents(const std::string& dsn,
                                                         const Contents& contents) {
  const std::string where = postgres::describe_dsn(dsn);
  auto connected = postgres::connect(dsn);
  if (auto* error = std::get_if<StoreError>(&connected)) return *error;
  PGconn* conn = std::get<postgres::Connection>(connected).get();
  try {
    {
      postgres::Transaction transaction(conn, postgres::Transaction::Kind::write);
      // Nobody may write while the copy runs (a bastion already using this database).
      postgres::exec(conn, "LOCK TABLE requests, grants, locks, audit, audit_head IN EXCLUSIVE MODE");
      if (count_rows(conn, "requests") + count_rows(conn, "locks") + count_rows(conn, "audit") > 0) {
        return StoreError{"the database " + where +
                          " already holds requests, locks or audit events; copying needs an "
                          "empty one"};
      }
      write_rows(conn, contents);
      transaction.commit();
    }
    Counts counts;
    counts.requests = static_cast<std::size_t>(count_rows(conn, "requests"));
    counts.reviews = static_cast<std::size_t>(count_rows(conn, "reviews"));
    counts.grants = static_cast<std::size_t>(count_rows(conn, "grants"));
    counts.locks = static_cast<std::size_t>(count_rows(conn, "locks"));
    counts.audit = static_cast<std::size_t>(count_rows(conn, "audit"));
    return counts;
  } catch (const postgres::PostgresError& error) {
    return StoreError{"copying into the database " + where + " failed: " + error.what()};
  }
}

}  // namespace holdgate::storage
