// The web page's login links and sessions (Store's *_web_* calls) for each backend, kept out of
// the two store files. Called inside the store's own lock (guarded); they throw the backend's
// error type like the other row helpers.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <optional>
#include <string_view>

#include "storage/records.hpp"

namespace holdgate::storage::sqlite {
void create_web_login(sqlite3* db, const WebLogin& login, TimePoint now);
std::optional<WebLogin> take_web_login(sqlite3* db, std::string_view token_hash);
void create_web_session(sqlite3* db, const WebSession& session, TimePoint now);
std::optional<WebSession> get_web_session(sqlite3* db, std::string_view id_hash, TimePoint now);
void end_web_session(sqlite3* db, std::string_view id_hash);
int end_web_sessions(sqlite3* db, std::string_view person);
}  // namespace holdgate::storage::sqlite

namespace holdgate::storage::postgres {
void create_web_login(PGconn* conn, const WebLogin& login, TimePoint now);
std::optional<WebLogin> take_web_login(PGconn* conn, std::string_view token_hash);
void create_web_session(PGconn* conn, const WebSession& session, TimePoint now);
std::optional<WebSession> get_web_session(PGconn* conn, std::string_view id_hash, TimePoint now);
void end_web_session(PGconn* conn, std::string_view id_hash);
int end_web_sessions(PGconn* conn, std::string_view person);
}  // namespace holdgate::storage::postgres
