// Owning handles for libpq objects, the one error type the PostgreSQL helpers throw, and the
// statement runner. Internal to storage/: the Store boundary turns PostgresError into StoreError
// or StoreFailure.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace holdgate::storage::postgres {

struct FinishConnection {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
using Connection = std::unique_ptr<PGconn, FinishConnection>;

struct ClearResult {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using ResultHandle = std::unique_ptr<PGresult, ClearResult>;

// A failed statement or connection. sqlstate() is PostgreSQL's five-character code ("23505" for
// a unique violation), empty when the server sent none; connection_lost() when the connection
// is gone (it must be opened again).
class PostgresError : public std::runtime_error {
 public:
  PostgresError(std::string sqlstate, bool connection_lost, const std::string& message)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)), lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool connection_lost() const { return lost_; }

 private:
  std::string sqlstate_;
  bool lost_;
};

inline constexpr std::string_view kUniqueViolation = "23505";

// Statement parameters, sent as text ($1, $2, ... in the order added); nullopt is SQL NULL.
class Params {
 public:
  Params& text(std::string_view value);
  // Any bytes (NUL, invalid UTF-8) for a BYTEA column: sent in binary format, as they are.
  Params& bytes(std::string_view value);
  Params& integer(std::int64_t value);
  Params& optional_integer(const std::optional<std::int64_t>& value);
  Params& null();
  std::size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }
  const std::vector<int>& formats() const { return formats_; }  // 0 text, 1 binary

 private:
  Params& add(std::optional<std::string> value, int format);
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
};

// A statement's rows, read as text (libpq's text format).
class Result {
 public:
  explicit Result(ResultHandle handle) : handle_(std::move(handle)) {}
  int rows() const { return PQntuples(handle_.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(handle_.get(), row, column) != 0; }
  std::string text(int row, int column) const;
  std::string bytes(int row, int column) const;  // a BYTEA column (read as hex text)
  std::int64_t integer(int row, int column) const;
  std::optional<std::int64_t> optional_integer(int row, int column) const;
  // Rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const;

 private:
  ResultHandle handle_;
};

// Runs one statement; throws PostgresError when it fails.
Result run(PGconn* conn, const std::string& sql, const Params& params = {});

// Runs SQL without parameters (several statements allowed); throws PostgresError.
void exec(PGconn* conn, const std::string& sql);

// BEGIN ... COMMIT; rolls back unless commit() was reached (an exception, an early return after a
// failed compare-and-swap).
class Transaction {
 public:
  enum class Kind {
    // READ COMMITTED: every statement sees what is committed when it starts; the writes lock
    // what they read with FOR UPDATE (or a conditional UPDATE), which waits for a concurrent
    // writer and then sees its result.
    write,
    // REPEATABLE READ READ ONLY: several SELECTs see one snapshot (a request and its reviews
    // from the same moment).
    read,
  };
  Transaction(PGconn* conn, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();  // durable when it returns (synchronous_commit is on by default)

 private:
  PGconn* conn_;
  bool open_ = true;
};

// The DSN without its password, for messages: "postgresql://user@host:port/dbname".
std::string describe_dsn(const std::string& dsn);

}  // namespace holdgate::storage::postgres
