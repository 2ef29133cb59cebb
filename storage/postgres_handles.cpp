#include "storage/postgres_handles.hpp"

#include <charconv>
#include <new>

namespace holdgate::storage::postgres {

namespace {

// libpq's messages end with a newline (sometimes several lines): one line for ours.
std::string one_line(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return text.empty() ? "unknown error" : text;
}

[[noreturn]] void fail(PGconn* conn, const PGresult* result) {
  std::string sqlstate;
  if (result) {
    if (const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE)) sqlstate = code;
  }
  // Class 08 is "connection exception"; 57P01..57P03: the server is shutting down or starting.
  const bool lost = PQstatus(conn) == CONNECTION_BAD || sqlstate.rfind("08", 0) == 0 ||
                    sqlstate.rfind("57P0", 0) == 0;
  const char* message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  if (!message || !*message) message = PQerrorMessage(conn);
  throw PostgresError(sqlstate, lost, one_line(message));
}

}  // namespace

Params& Params::add(std::optional<std::string> value, int format) {
  values_.push_back(std::move(value));
  formats_.push_back(format);
  return *this;
}

Params& Params::text(std::string_view value) { return add(std::string(value), 0); }

Params& Params::bytes(std::string_view value) { return add(std::string(value), 1); }

Params& Params::integer(std::int64_t value) { return add(std::to_string(value), 0); }

Params& Params::optional_integer(const std::optional<std::int64_t>& value) {
  if (!value) return null();
  return integer(*value);
}

Params& Params::null() { return add(std::nullopt, 0); }

std::string Result::text(int row, int column) const {
  const char* value = PQgetvalue(handle_.get(), row, column);
  return std::string(value, static_cast<std::size_t>(PQgetlength(handle_.get(), row, column)));
}

std::string Result::bytes(int row, int column) const {
  // bytea_output 'hex' (the default since 9.0): "\\x" and two hex digits a byte.
  const std::string hex = text(row, column);
  if (hex.size() < 2 || hex[0] != '\\' || hex[1] != 'x' || hex.size() % 2 != 0) {
    throw PostgresError("", false, "the database returned a BYTEA value not in hex form");
  }
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw PostgresError("", false, "the database returned a BYTEA value not in hex form");
  };
  std::string value;
  value.reserve(hex.size() / 2 - 1);
  for (std::size_t i = 2; i < hex.size(); i += 2) {
    value.push_back(static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1])));
  }
  return value;
}

std::int64_t Result::integer(int row, int column) const {
  const char* value = PQgetvalue(handle_.get(), row, column);
  const int length = PQgetlength(handle_.get(), row, column);
  std::int64_t number = 0;
  auto [end, ec] = std::from_chars(value, value + length, number);
  if (ec != std::errc() || end != value + length) {
    throw PostgresError("", false, "the database returned '" + std::string(value, length) +
                                       "' where a number belongs");
  }
  return number;
}

std::optional<std::int64_t> Result::optional_integer(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return integer(row, column);
}

std::int64_t Result::affected() const {
  const char* count = PQcmdTuples(handle_.get());
  return count && *count ? std::stoll(count) : 0;
}

Result run(PGconn* conn, const std::string& sql, const Params& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const auto& value : params.values()) {
    values.push_back(value ? value->data() : nullptr);
    lengths.push_back(value ? static_cast<int>(value->size()) : 0);
  }
  ResultHandle result(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                   values.data(), lengths.data(), params.formats().data(), 0));
  if (!result) {
    if (PQstatus(conn) == CONNECTION_BAD) fail(conn, nullptr);
    throw std::bad_alloc();
  }
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(conn, result.get());
  return Result(std::move(result));
}

void exec(PGconn* conn, const std::string& sql) {
  ResultHandle result(PQexec(conn, sql.c_str()));
  if (!result) {
    if (PQstatus(conn) == CONNECTION_BAD) fail(conn, nullptr);
    throw std::bad_alloc();
  }
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(conn, result.get());
}

Transaction::Transaction(PGconn* conn, Kind kind) : conn_(conn) {
  exec(conn, kind == Kind::write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

Transaction::~Transaction() {
  // Errors cannot be reported from a destructor; a lost connection rolls back on the server.
  if (open_ && PQstatus(conn_) == CONNECTION_OK &&
      PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    PQclear(PQexec(conn_, "ROLLBACK"));
  }
}

void Transaction::commit() {
  exec(conn_, "COMMIT");
  open_ = false;
}

std::string describe_dsn(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (!options) {
    PQfreemem(error);
    return "(an unreadable PostgreSQL connection string)";
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    std::string_view keyword = o->keyword;
    if (keyword == "user") user = o->val;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = o->val;
    if (keyword == "port") port = o->val;
    if (keyword == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  std::string text = "postgresql://";
  if (!user.empty()) text += user + "@";
  text += host.empty() ? "localhost" : host;
  if (!port.empty()) text += ":" + port;
  if (!dbname.empty()) text += "/" + dbname;
  return text;
}

}  // namespace holdgate::storage::postgres
