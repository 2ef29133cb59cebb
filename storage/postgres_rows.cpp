#include "storage/postgres_rows.hpp"

#include "storage/audit_chain.hpp"
#include "storage/row_values.hpp"

namespace holdgate::storage::postgres {

namespace {

std::optional<std::int64_t> optional_count(const std::optional<int>& n) {
  return n ? std::optional<std::int64_t>(*n) : std::nullopt;
}

[[noreturn]] void corrupt(const std::string& what) { throw PostgresError("XX001", false, what); }

void write_lists(PGconn* conn, const AccessRequest& request) {
  for (std::size_t i = 0; i < request.roles.size(); ++i) {
    run(conn, "INSERT INTO request_roles (request_id, position, role) VALUES ($1, $2, $3)",
        Params().text(request.id).integer(static_cast<std::int64_t>(i)).text(request.roles[i]));
  }
  for (std::size_t i = 0; i < request.suggested_reviewers.size(); ++i) {
    run(conn,
        "INSERT INTO request_reviewers (request_id, position, reviewer) VALUES ($1, $2, $3)",
        Params()
            .text(request.id)
            .integer(static_cast<std::int64_t>(i))
            .text(request.suggested_reviewers[i]));
  }
}

// $1..$20 as both insert and replace write them; $1 is the id.
Params request_params(const AccessRequest& request, std::int64_t version) {
  Params params;
  params.text(request.id)
      .text(request.user)
      .bytes(request.reason)
      .text(to_string(request.state))
      .integer(to_millis(request.created))
      .integer(to_millis(request.expires))
      .optional_integer(request.max_duration
                            ? std::optional<std::int64_t>(request.max_duration->count())
                            : std::nullopt)
      .optional_integer(optional_millis(request.resolved))
      .optional_integer(optional_millis(request.grant_expires))
      .bytes(request.resolution_reason)
      .text(request.login)
      .text(request.target)
      .text(request.source)
      .integer(version)
      .text(join_lines(request.hooks_answered))
      .text(to_string(request.ratification))
      .optional_integer(optional_millis(request.ratify_by))
      .text(request.until_session_end ? "true" : "false")
      .optional_integer(optional_count(request.uses))
      .optional_integer(optional_count(request.uses_left));
  return params;
}

std::vector<std::string> read_list(PGconn* conn, const char* sql, const std::string& id) {
  Result rows = run(conn, sql, Params().text(id));
  std::vector<std::string> values;
  for (int r = 0; r < rows.rows(); ++r) values.push_back(rows.text(r, 0));
  return values;
}

}  // namespace

const char* const kRequestColumns =
    "id, user_name, reason, state, created, expires, max_duration_s, resolved, grant_expires, "
    "resolution_reason, login, target, source, version, hooks_answered, ratification, ratify_by, "
    "grant_until_session_end, grant_uses, grant_uses_left";

void insert_request(PGconn* conn, const AccessRequest& request, std::int64_t version) {
  run(conn,
      std::string("INSERT INTO requests (") + kRequestColumns +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
          "$18, $19, $20)",
      request_params(request, version));
  write_lists(conn, request);
  append_reviews(conn, request.id, request.reviews, 0);
}

void replace_request(PGconn* conn, const AccessRequest& request) {
  run(conn,
      "UPDATE requests SET user_name = $2, reason = $3, state = $4, created = $5, expires = $6, "
      "max_duration_s = $7, resolved = $8, grant_expires = $9, resolution_reason = $10, "
      "login = $11, target = $12, source = $13, version = $14, hooks_answered = $15, "
      "ratification = $16, ratify_by = $17, grant_until_session_end = $18, grant_uses = $19, "
      "grant_uses_left = $20 WHERE id = $1",
      request_params(request, request.version));
  // The lists rarely change, but "replaces the stored request" must hold for every field.
  run(conn, "DELETE FROM request_roles WHERE request_id = $1", Params().text(request.id));
  run(conn, "DELETE FROM request_reviewers WHERE request_id = $1", Params().text(request.id));
  write_lists(conn, request);
}

void append_reviews(PGconn* conn, std::string_view request_id, const std::vector<Review>& reviews,
                    std::size_t from) {
  for (std::size_t i = from; i < reviews.size(); ++i) {
    const Review& review = reviews[i];
    run(conn,
        "INSERT INTO reviews (request_id, seq, reviewer, decision, reason, at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        Params()
            .text(request_id)
            .integer(static_cast<std::int64_t>(i + 1))
            .text(review.reviewer)
            .text(to_string(review.decision))
            .bytes(review.reason)
            .integer(to_millis(review.at)));
  }
}

void write_grants(PGconn* conn, const AccessRequest& request) {
  const bool scoped = is_scoped(request);
  for (const std::string& role : request.roles) {
    run(conn,
        "INSERT INTO grants (user_name, role, request_id, expires, login, target) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id, role) DO UPDATE "
        "SET user_name = excluded.user_name, expires = excluded.expires, "
        "login = excluded.login, target = excluded.target",
        Params()
            .text(request.user)
            .text(role)
            .text(request.id)
            .integer(to_millis(*request.grant_expires))
            .text(scoped ? request.login : "")
            .text(scoped ? request.target : ""));
  }
}

void insert_audit(PGconn* conn, const AuditEvent& event, std::string_view origin) {
  // Locks the head row until this transaction ends: another writer's UPDATE waits here, then
  // sees this one's result (READ COMMITTED re-reads the updated row).
  Result head = run(conn, "UPDATE audit_head SET id = id + 1 RETURNING id, hash");
  if (head.rows() != 1) corrupt("the audit trail's head row is missing");
  AuditEvent chained = event;
  chained.id = static_cast<long>(head.integer(0, 0));
  chained.prev_hash = head.text(0, 1);
  chained.at = from_millis(to_millis(event.at));  // hashed as stored: whole milliseconds
  chained.hash = chain_hash(chained.prev_hash, chained);
  run(conn,
      "INSERT INTO audit (id, at, kind, actor, source, subject, details, prev_hash, hash, origin) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      Params()
          .integer(chained.id)
          .integer(to_millis(chained.at))
          .text(chained.kind)
          .text(chained.actor)
          .text(chained.source)
          .text(chained.subject)
          .bytes(chained.details)
          .text(chained.prev_hash)
          .text(chained.hash)
          .text(origin));
  run(conn, "UPDATE audit_head SET hash = $1", Params().text(chained.hash));
  // One notification per transaction however many events it appends (PostgreSQL folds equal
  // ones); the payload is empty because listeners read the trail itself.
  run(conn, "NOTIFY holdgate_changes");
}

void insert_lock(PGconn* conn, const LockRecord& lock) {
  run(conn,
      "INSERT INTO locks (id, user_name, target, role, reason, created_by, created, expires,"
      " removed, removed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      Params()
          .text(lock.id)
          .text(lock.user)
          .text(lock.target)
          .text(lock.role)
          .bytes(lock.reason)
          .text(lock.created_by)
          .integer(to_millis(lock.created))
          .optional_integer(optional_millis(lock.expires))
          .optional_integer(optional_millis(lock.removed))
          .text(lock.removed_by));
}

std::vector<AccessRequest> read_requests(PGconn* conn, const Result& rows) {
  std::vector<AccessRequest> requests;
  for (int r = 0; r < rows.rows(); ++r) {
    AccessRequest request;
    request.id = rows.text(r, 0);
    request.user = rows.text(r, 1);
    request.reason = rows.bytes(r, 2);
    std::string state = rows.text(r, 3);
    auto parsed = parse_request_state(state);
    if (!parsed) corrupt("request " + request.id + " has the unknown state '" + state + "'");
    request.state = *parsed;
    request.created = from_millis(rows.integer(r, 4));
    request.expires = from_millis(rows.integer(r, 5));
    if (auto seconds = rows.optional_integer(r, 6)) {
      request.max_duration = std::chrono::seconds(*seconds);
    }
    request.resolved = optional_time(rows.optional_integer(r, 7));
    request.grant_expires = optional_time(rows.optional_integer(r, 8));
    request.resolution_reason = rows.bytes(r, 9);
    request.login = rows.text(r, 10);
    request.target = rows.text(r, 11);
    request.source = rows.text(r, 12);
    request.version = static_cast<long>(rows.integer(r, 13));
    request.hooks_answered = split_lines(rows.text(r, 14));
    std::string ratification = rows.text(r, 15);
    auto parsed_ratification = parse_ratification(ratification);
    if (!parsed_ratification) {
      corrupt("request " + request.id + " has the unknown ratification '" + ratification + "'");
    }
    request.ratification = *parsed_ratification;
    request.ratify_by = optional_time(rows.optional_integer(r, 16));
    request.until_session_end = rows.text(r, 17) == "t";
    if (auto n = rows.optional_integer(r, 18)) request.uses = static_cast<int>(*n);
    if (auto n = rows.optional_integer(r, 19)) request.uses_left = static_cast<int>(*n);

    request.roles = read_list(
        conn, "SELECT role FROM request_roles WHERE request_id = $1 ORDER BY position", request.id);
    request.suggested_reviewers = read_list(
        conn, "SELECT reviewer FROM request_reviewers WHERE request_id = $1 ORDER BY position",
        request.id);
    Result reviews = run(conn,
                         "SELECT reviewer, decision, reason, at FROM reviews WHERE request_id = $1 "
                         "ORDER BY seq",
                         Params().text(request.id));
    for (int v = 0; v < reviews.rows(); ++v) {
      Review review;
      review.reviewer = reviews.text(v, 0);
      std::string decision = reviews.text(v, 1);
      if (decision == "APPROVE") {
        review.decision = Decision::approve;
      } else if (decision == "DENY") {
        review.decision = Decision::deny;
      } else {
        corrupt("a review of request " + request.id + " has the unknown decision '" + decision +
                "'");
      }
      review.reason = reviews.bytes(v, 2);
      review.at = from_millis(reviews.integer(v, 3));
      request.reviews.push_back(std::move(review));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

const char* const kAuditColumns =
    "id, at, kind, actor, source, subject, details, prev_hash, hash, origin";

std::vector<AuditEvent> read_audit(const Result& rows) {
  std::vector<AuditEvent> events;
  for (int r = 0; r < rows.rows(); ++r) {
    AuditEvent event;
    event.id = static_cast<long>(rows.integer(r, 0));
    event.at = from_millis(rows.integer(r, 1));
    event.kind = rows.text(r, 2);
    event.actor = rows.text(r, 3);
    event.source = rows.text(r, 4);
    event.subject = rows.text(r, 5);
    event.details = rows.bytes(r, 6);
    event.prev_hash = rows.text(r, 7);
    event.hash = rows.text(r, 8);
    event.origin = rows.text(r, 9);
    events.push_back(std::move(event));
  }
  return events;
}

const char* const kGrantColumns =
    "grants.user_name, grants.role, grants.request_id, grants.expires, grants.login, "
    "grants.target, requests.grant_until_session_end, requests.grant_uses, "
    "requests.grant_uses_left";

std::vector<GrantRecord> read_grants(const Result& rows) {
  std::vector<GrantRecord> grants;
  for (int r = 0; r < rows.rows(); ++r) {
    GrantRecord grant{rows.text(r, 0), rows.text(r, 1), rows.text(r, 2),
                      from_millis(rows.integer(r, 3)), rows.text(r, 4), rows.text(r, 5)};
    grant.until_session_end = rows.text(r, 6) == "t";
    if (auto n = rows.optional_integer(r, 7)) grant.uses = static_cast<int>(*n);
    if (auto n = rows.optional_integer(r, 8)) grant.uses_left = static_cast<int>(*n);
    grants.push_back(std::move(grant));
  }
  return grants;
}

const char* const kLockColumns =
    "id, user_name, target, role, reason, created_by, created, expires, removed, removed_by";

std::vector<LockRecord> read_locks(const Result& rows) {
  std::vector<LockRecord> locks;
  for (int r = 0; r < rows.rows(); ++r) {
    LockRecord lock;
    lock.id = rows.text(r, 0);
    lock.user = rows.text(r, 1);
    lock.target = rows.text(r, 2);
    lock.role = rows.text(r, 3);
    lock.reason = rows.bytes(r, 4);
    lock.created_by = rows.text(r, 5);
    lock.created = from_millis(rows.integer(r, 6));
    lock.expires = optional_time(rows.optional_integer(r, 7));
    lock.removed = optional_time(rows.optional_integer(r, 8));
    lock.removed_by = rows.text(r, 9);
    locks.push_back(std::move(lock));
  }
  return locks;
}

}  // namespace holdgate::storage::postgres
