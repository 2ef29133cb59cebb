#include "storage/sqlite_rows.hpp"

#include <limits>

#include "storage/audit_chain.hpp"

namespace holdgate::storage::sqlite {

namespace {

void insert_list(sqlite3* db, const char* sql, std::string_view request_id,
                 const std::vector<std::string>& values) {
  Statement insert(db, sql);
  for (std::size_t i = 0; i < values.size(); ++i) {
    insert.reset();
    insert.bind(1, request_id);
    insert.bind(2, static_cast<std::int64_t>(i));
    insert.bind(3, values[i]);
    insert.run();
  }
}

void write_lists(sqlite3* db, const AccessRequest& request) {
  insert_list(db, "INSERT INTO request_roles (request_id, position, role) VALUES (?1, ?2, ?3)",
              request.id, request.roles);
  insert_list(db,
              "INSERT INTO request_reviewers (request_id, position, reviewer) VALUES (?1, ?2, ?3)",
              request.id, request.suggested_reviewers);
}

std::vector<std::string> read_list(Statement& select, std::string_view request_id) {
  select.reset();
  select.bind(1, request_id);
  std::vector<std::string> values;
  while (select.step()) values.push_back(select.text(0));
  return values;
}

// The row's columns ?2..?20 as both insert and replace write them; ?1 is the id.
void bind_request(Statement& statement, const AccessRequest& request, std::int64_t version) {
  statement.bind(1, request.id);
  statement.bind(2, request.user);
  statement.bind(3, request.reason);
  statement.bind(4, to_string(request.state));
  statement.bind(5, to_millis(request.created));
  statement.bind(6, to_millis(request.expires));
  statement.bind(7, request.max_duration ? std::optional<std::int64_t>(request.max_duration->count())
                                         : std::nullopt);
  statement.bind(8, optional_millis(request.resolved));
  statement.bind(9, optional_millis(request.grant_expires));
  statement.bind(10, request.resolution_reason);
  statement.bind(11, request.login);
  statement.bind(12, request.target);
  statement.bind(13, request.source);
  statement.bind(14, version);
  statement.bind(15, join_lines(request.hooks_answered));
  statement.bind(16, std::string_view(to_string(request.ratification)));
  statement.bind(17, optional_millis(request.ratify_by));
  statement.bind(18, static_cast<std::int64_t>(request.until_session_end ? 1 : 0));
  auto optional_count = [](const std::optional<int>& n) {
    return n ? std::optional<std::int64_t>(*n) : std::nullopt;
  };
  statement.bind(19, optional_count(request.uses));
  statement.bind(20, optional_count(request.uses_left));
}

[[noreturn]] void corrupt(const std::string& what) { throw SqliteError(SQLITE_CORRUPT, what); }

}  // namespace

const char* const kRequestColumns =
    "id, user, reason, state, created, expires, max_duration_s, resolved, grant_expires, "
    "resolution_reason, login, target, source, version, hooks_answered, ratification, ratify_by, "
    "grant_until_session_end, grant_uses, grant_uses_left";

void insert_request(sqlite3* db, const AccessRequest& request, std::int64_t version) {
  Statement insert(db,
                   "INSERT INTO requests (id, user, reason, state, created, expires, "
                   "max_duration_s, resolved, grant_expires, resolution_reason, login, target, "
                   "source, version, hooks_answered, ratification, ratify_by, "
                   "grant_until_session_end, grant_uses, grant_uses_left) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                   "?17, ?18, ?19, ?20)");
  bind_request(insert, request, version);
  insert.run();
  write_lists(db, request);
  append_reviews(db, request.id, request.reviews, 0);
}

void replace_request(sqlite3* db, const AccessRequest& request) {
  Statement update(db,
                   "UPDATE requests SET user = ?2, reason = ?3, state = ?4, created = ?5, "
                   "expires = ?6, max_duration_s = ?7, resolved = ?8, grant_expires = ?9, "
                   "resolution_reason = ?10, login = ?11, target = ?12, source = ?13, "
                   "version = ?14, hooks_answered = ?15, ratification = ?16, ratify_by = ?17, "
                   "grant_until_session_end = ?18, grant_uses = ?19, grant_uses_left = ?20 "
                   "WHERE id = ?1");
  bind_request(update, request, request.version);
  update.run();
  // The lists rarely change, but "replaces the stored request" must hold for every field.
  for (const char* sql : {"DELETE FROM request_roles WHERE request_id = ?1",
                          "DELETE FROM request_reviewers WHERE request_id = ?1"}) {
    Statement remove(db, sql);
    remove.bind(1, request.id);
    remove.run();
  }
  write_lists(db, request);
}

void append_reviews(sqlite3* db, std::string_view request_id, const std::vector<Review>& reviews,
                    std::size_t from) {
  Statement insert(db,
                   "INSERT INTO reviews (request_id, seq, reviewer, decision, reason, at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  for (std::size_t i = from; i < reviews.size(); ++i) {
    const Review& review = reviews[i];
    insert.reset();
    insert.bind(1, request_id);
    insert.bind(2, static_cast<std::int64_t>(i + 1));
    insert.bind(3, review.reviewer);
    insert.bind(4, to_string(review.decision));
    insert.bind(5, review.reason);
    insert.bind(6, to_millis(review.at));
    insert.run();
  }
}

void write_grants(sqlite3* db, const AccessRequest& request) {
  Statement upsert(db,
                   "INSERT INTO grants (user, role, request_id, expires, login, target) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                   "ON CONFLICT (request_id, role) DO UPDATE "
                   "SET user = excluded.user, expires = excluded.expires, "
                   "login = excluded.login, target = excluded.target");
  const bool scoped = is_scoped(request);
  for (const std::string& role : request.roles) {
    upsert.reset();
    upsert.bind(1, request.user);
    upsert.bind(2, role);
    upsert.bind(3, request.id);
    upsert.bind(4, to_millis(*request.grant_expires));
    upsert.bind(5, scoped ? std::string_view(request.login) : std::string_view(""));
    upsert.bind(6, scoped ? std::string_view(request.target) : std::string_view(""));
    upsert.run();
  }
}

void insert_audit(sqlite3* db, const AuditEvent& event, std::string_view origin) {
  // The id is the store's to give: the next after the newest row (or after the highest ever
  // given, which AUTOINCREMENT keeps in sqlite_sequence), and the hash covers it, so it must be
  // known before the insert. Every caller holds the write lock (BEGIN IMMEDIATE), so the newest
  // row read here is still the newest when the insert lands: the chain cannot fork, however
  // many processes write the file.
  AuditEvent chained = event;
  chained.id = 1;
  chained.prev_hash = genesis_hash();
  {
    Statement newest(db,
                     "SELECT max(coalesce((SELECT max(id) FROM audit), 0),"
                     " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit'), 0)),"
                     " coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), '')");
    if (newest.step()) {
      chained.id = static_cast<long>(newest.integer(0)) + 1;
      if (std::string hash = newest.text(1); !hash.empty()) chained.prev_hash = hash;
    }
  }
  chained.at = from_millis(to_millis(event.at));  // hashed as stored: whole milliseconds
  chained.hash = chain_hash(chained.prev_hash, chained);
  Statement insert(db,
                   "INSERT INTO audit (id, at, kind, actor, source, subject, details, prev_hash, "
                   "hash, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  insert.bind(1, static_cast<std::int64_t>(chained.id));
  insert.bind(2, to_millis(chained.at));
  insert.bind(3, chained.kind);
  insert.bind(4, chained.actor);
  insert.bind(5, chained.source);
  insert.bind(6, chained.subject);
  insert.bind(7, chained.details);
  insert.bind(8, chained.prev_hash);
  insert.bind(9, chained.hash);
  insert.bind(10, origin);
  insert.run();
}

void chain_existing_audit(sqlite3* db) {
  // Not kAuditColumns: this migration (9) runs before the origin column exists (11).
  Statement select(db,
                   "SELECT id, at, kind, actor, source, subject, details, prev_hash, hash, '' "
                   "FROM audit ORDER BY id");
  Statement update(db, "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE id = ?1");
  std::string prev = genesis_hash();
  while (select.step()) {
    AuditEvent event = read_audit(select);
    event.prev_hash = prev;
    event.hash = chain_hash(prev, event);
    update.reset();
    update.bind(1, static_cast<std::int64_t>(event.id));
    update.bind(2, event.prev_hash);
    update.bind(3, event.hash);
    update.run();
    prev = event.hash;
  }
}

RequestReader::RequestReader(sqlite3* db)
    : roles_(db, "SELECT role FROM request_roles WHERE request_id = ?1 ORDER BY position"),
      reviewers_(db,
                 "SELECT reviewer FROM request_reviewers WHERE request_id = ?1 ORDER BY position"),
      reviews_(db,
               "SELECT reviewer, decision, reason, at FROM reviews WHERE request_id = ?1 "
               "ORDER BY seq") {}

AccessRequest RequestReader::read(const Statement& row) {
  AccessRequest request;
  request.id = row.text(0);
  request.user = row.text(1);
  request.reason = row.text(2);
  std::string state = row.text(3);
  auto parsed = parse_request_state(state);
  if (!parsed) corrupt("request " + request.id + " has the unknown state '" + state + "'");
  request.state = *parsed;
  request.created = from_millis(row.integer(4));
  request.expires = from_millis(row.integer(5));
  if (auto seconds = row.optional_integer(6)) request.max_duration = std::chrono::seconds(*seconds);
  request.resolved = optional_time(row.optional_integer(7));
  request.grant_expires = optional_time(row.optional_integer(8));
  request.resolution_reason = row.text(9);
  request.login = row.text(10);
  request.target = row.text(11);
  request.source = row.text(12);
  request.version = static_cast<long>(row.integer(13));
  request.hooks_answered = split_lines(row.text(14));
  std::string ratification = row.text(15);
  auto parsed_ratification = parse_ratification(ratification);
  if (!parsed_ratification) {
    corrupt("request " + request.id + " has the unknown ratification '" + ratification + "'");
  }
  request.ratification = *parsed_ratification;
  request.ratify_by = optional_time(row.optional_integer(16));
  request.until_session_end = row.integer(17) != 0;
  if (auto n = row.optional_integer(18)) request.uses = static_cast<int>(*n);
  if (auto n = row.optional_integer(19)) request.uses_left = static_cast<int>(*n);

  request.roles = read_list(roles_, request.id);
  request.suggested_reviewers = read_list(reviewers_, request.id);

  reviews_.reset();
  reviews_.bind(1, request.id);
  while (reviews_.step()) {
    Review review;
    review.reviewer = reviews_.text(0);
    std::string decision = reviews_.text(1);
    if (decision == "APPROVE") {
      review.decision = Decision::approve;
    } else if (decision == "DENY") {
      review.decision = Decision::deny;
    } else {
      corrupt("a review of request " + request.id + " has the unknown decision '" + decision + "'");
    }
    review.reason = reviews_.text(2);
    review.at = from_millis(reviews_.integer(3));
    request.reviews.push_back(std::move(review));
  }
  return request;
}

const char* const kAuditColumns =
    "id, at, kind, actor, source, subject, details, prev_hash, hash, origin";

AuditEvent read_audit(const Statement& row) {
  AuditEvent event;
  event.id = static_cast<long>(row.integer(0));
  event.at = from_millis(row.integer(1));
  event.kind = row.text(2);
  event.actor = row.text(3);
  event.source = row.text(4);
  event.subject = row.text(5);
  event.details = row.text(6);
  event.prev_hash = row.text(7);
  event.hash = row.text(8);
  event.origin = row.text(9);
  return event;
}

const char* const kGrantColumns =
    "grants.user, grants.role, grants.request_id, grants.expires, grants.login, grants.target, "
    "requests.grant_until_session_end, requests.grant_uses, requests.grant_uses_left";

GrantRecord read_grant(const Statement& row) {
  GrantRecord grant{row.text(0), row.text(1), row.text(2), from_millis(row.integer(3)),
                    row.text(4), row.text(5)};
  grant.until_session_end = row.integer(6) != 0;
  if (auto n = row.optional_integer(7)) grant.uses = static_cast<int>(*n);
  if (auto n = row.optional_integer(8)) grant.uses_left = static_cast<int>(*n);
  return grant;
}

}  // namespace holdgate::storage::sqlite
