// SQLite: the web page's login links and sessions (storage/web_tables.hpp).
#include "storage/row_values.hpp"
#include "storage/sqlite_statement.hpp"
#include "storage/sqlite_transaction.hpp"
#include "storage/web_tables.hpp"

namespace holdgate::storage::sqlite {
namespace {

void delete_expired(sqlite3* db, const char* table, TimePoint now) {
  Statement prune(db, std::string("DELETE FROM ") + table + " WHERE expires <= ?1");
  prune.bind(1, to_millis(now));
  prune.run();
}

}  // namespace

void create_web_login(sqlite3* db, const WebLogin& login, TimePoint now) {
  Transaction transaction(db, Transaction::Kind::write);
  delete_expired(db, "web_logins", now);
  Statement insert(db, "INSERT INTO web_logins (token_hash, person, expires) VALUES (?1, ?2, ?3)");
  insert.bind(1, login.token_hash);
  insert.bind(2, login.person);
  insert.bind(3, to_millis(login.expires));
  insert.run();
  transaction.commit();
}

std::optional<WebLogin> take_web_login(sqlite3* db, std::string_view token_hash) {
  // One statement: two bastions opening the same link cannot both get it.
  Transaction transaction(db, Transaction::Kind::write);
  Statement take(db, "DELETE FROM web_logins WHERE token_hash = ?1 RETURNING person, expires");
  take.bind(1, token_hash);
  std::optional<WebLogin> taken;
  if (take.step()) taken = WebLogin{std::string(token_hash), take.text(0), from_millis(take.integer(1))};
  while (take.step()) {
  }
  transaction.commit();
  return taken;
}

void create_web_session(sqlite3* db, const WebSession& session, TimePoint now) {
  Transaction transaction(db, Transaction::Kind::write);
  delete_expired(db, "web_sessions", now);
  Statement insert(db,
                   "INSERT INTO web_sessions (id_hash, person, created, expires) VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, session.id_hash);
  insert.bind(2, session.person);
  insert.bind(3, to_millis(session.created));
  insert.bind(4, to_millis(session.expires));
  insert.run();
  transaction.commit();
}

std::optional<WebSession> get_web_session(sqlite3* db, std::string_view id_hash, TimePoint now) {
  Statement select(db,
                   "SELECT person, created, expires FROM web_sessions WHERE id_hash = ?1 AND expires > ?2");
  select.bind(1, id_hash);
  select.bind(2, to_millis(now));
  if (!select.step()) return std::nullopt;
  return WebSession{std::string(id_hash), select.text(0), from_millis(select.integer(1)),
                    from_millis(select.integer(2))};
}

void end_web_session(sqlite3* db, std::string_view id_hash) {
  Statement remove(db, "DELETE FROM web_sessions WHERE id_hash = ?1");
  remove.bind(1, id_hash);
  remove.run();
}

int end_web_sessions(sqlite3* db, std::string_view person) {
  Statement remove(db, "DELETE FROM web_sessions WHERE person = ?1");
  remove.bind(1, person);
  remove.run();
  return sqlite3_changes(db);
}

}  // namespace holdgate::storage::sqlite
