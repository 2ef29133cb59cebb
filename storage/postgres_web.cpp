// PostgreSQL: the web page's login links and sessions (storage/web_tables.hpp), shared by the
// bastions on the database.
#include "storage/postgres_handles.hpp"
#include "storage/row_values.hpp"
#include "storage/web_tables.hpp"

namespace holdgate::storage::postgres {

void create_web_login(PGconn* conn, const WebLogin& login, TimePoint now) {
  Transaction transaction(conn, Transaction::Kind::write);
  run(conn, "DELETE FROM web_logins WHERE expires <= $1", Params().integer(to_millis(now)));
  run(conn, "INSERT INTO web_logins (token_hash, person, expires) VALUES ($1, $2, $3)",
      Params().text(login.token_hash).text(login.person).integer(to_millis(login.expires)));
  transaction.commit();
}

std::optional<WebLogin> take_web_login(PGconn* conn, std::string_view token_hash) {
  // One statement, one row lock: two bastions opening the same link cannot both get it.
  Result taken = run(conn, "DELETE FROM web_logins WHERE token_hash = $1 RETURNING person, expires",
                     Params().text(token_hash));
  if (taken.rows() == 0) return std::nullopt;
  return WebLogin{std::string(token_hash), taken.text(0, 0), from_millis(taken.integer(0, 1))};
}

void create_web_session(PGconn* conn, const WebSession& session, TimePoint now) {
  Transaction transaction(conn, Transaction::Kind::write);
  run(conn, "DELETE FROM web_sessions WHERE expires <= $1", Params().integer(to_millis(now)));
  run(conn, "INSERT INTO web_sessions (id_hash, person, created, expires) VALUES ($1, $2, $3, $4)",
      Params().text(session.id_hash).text(session.person).integer(to_millis(session.created))
          .integer(to_millis(session.expires)));
  transaction.commit();
}

std::optional<WebSession> get_web_session(PGconn* conn, std::string_view id_hash, TimePoint now) {
  Result rows = run(conn,
                    "SELECT person, created, expires FROM web_sessions WHERE id_hash = $1 AND expires > $2",
                    Params().text(id_hash).integer(to_millis(now)));
  if (rows.rows() == 0) return std::nullopt;
  return WebSession{std::string(id_hash), rows.text(0, 0), from_millis(rows.integer(0, 1)),
                    from_millis(rows.integer(0, 2))};
}

void end_web_session(PGconn* conn, std::string_view id_hash) {
  run(conn, "DELETE FROM web_sessions WHERE id_hash = $1", Params().text(id_hash));
}

int end_web_sessions(PGconn* conn, std::string_view person) {
  Result removed = run(conn, "DELETE FROM web_sessions WHERE person = $1", Params().text(person));
  return static_cast<int>(removed.affected());
}

}  // namespace holdgate::storage::postgres
