#include "store/pg/migrations.h"

#include <libpq-fe.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace ringside {
namespace {

// The advisory lock every node holds while migrating: "ringside" in ASCII, as a bigint.
constexpr const char* kLockKey = "8244227102573570405";

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"  // hex SHA-256 of the file's text
    " applied_at timestamptz NOT NULL DEFAULT now())";

constexpr const char* kChecksum = "encode(sha256(convert_to($3, 'UTF8')), 'hex')";

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Runs one statement with text parameters; null (and *error set) on failure.
Result run(PGconn* conn, const char* sql, std::initializer_list<const char*> params,
           std::string* error) {
  std::vector<const char*> values(params);
  Result r(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                        nullptr, 0));
  ExecStatusType status = PQresultStatus(r.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  *error = trimmed(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn));
  return nullptr;
}

void ignore_notice(void* /*ctx*/, const char* /*message*/) {}

// One migration and its schema_migrations row, in one transaction.
bool apply_one(PGconn* conn, const Migration& m, const std::string& version, const std::string& sql,
               std::string* error) {
  if (!run(conn, "BEGIN", {}, error)) return false;
  // The simple protocol (PQexec) runs a file of many statements in one call.
  Result r(PQexec(conn, sql.c_str()));
  bool ok =
      PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK;
  if (!ok) *error = trimmed(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn));
  std::string name(m.name);
  std::string insert = std::string("INSERT INTO schema_migrations (version, name, checksum) ") +
                       "VALUES ($1, $2, " + kChecksum + ")";
  ok = ok && run(conn, insert.c_str(), {version.c_str(), name.c_str(), sql.c_str()}, error) &&
       run(conn, "COMMIT", {}, error);
  if (!ok) {
    std::string ignored;
    run(conn, "ROLLBACK", {}, &ignored);
    *error = "migration " + name + ": " + *error;
  }
  return ok;
}

bool apply_locked(PGconn* conn, std::span<const Migration> migrations, MigrationReport* report,
                  std::string* error) {
  if (!run(conn, kCreateTable, {}, error)) return false;
  std::string check = std::string("SELECT name, name = $2 AND checksum = ") + kChecksum +
                      " FROM schema_migrations WHERE version = $1";
  for (const Migration& m : migrations) {
    std::string version = std::to_string(m.version);
    std::string name(m.name);
    std::string sql(m.sql);
    Result applied = run(conn, check.c_str(), {version.c_str(), name.c_str(), sql.c_str()}, error);
    if (!applied) return false;
    if (PQntuples(applied.get()) == 1) {
      if (std::string_view(PQgetvalue(applied.get(), 0, 1)) != "t") {
        *error = "migration " + name;
        *error += " was changed after it was applied (add a new migration instead)";
        return false;
      }
      continue;
    }
    if (!apply_one(conn, m, version, sql, error)) return false;
    ++report->applied;
  }
  Result latest = run(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations", {}, error);
  if (!latest) return false;
  report->schema_version = std::stoi(PQgetvalue(latest.get(), 0, 0));
  return true;
}

}  // namespace

bool apply_migrations(const std::string& url, std::span<const Migration> migrations,
                      MigrationReport* report, std::string* error) {
  *report = MigrationReport{};
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      *error = "migrations out of order at " + std::string(migrations[i].name);
      return false;
    }
  }
  const char* keywords[] = {"application_name", "connect_timeout", "dbname", nullptr};
  const char* values[] = {"ringside-migrate", "10", url.c_str(), nullptr};
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectdbParams(keywords, values, 1));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    *error = "connecting: " + trimmed(conn ? PQerrorMessage(conn.get()) : "out of memory");
    return false;
  }
  PQsetNoticeProcessor(conn.get(), &ignore_notice, nullptr);  // "already exists, skipping"
  // Session-level: held across the transactions below, released by unlock or disconnect.
  if (!run(conn.get(), "SELECT pg_advisory_lock($1)", {kLockKey}, error)) return false;
  bool ok = apply_locked(conn.get(), migrations, report, error);
  std::string ignored;
  run(conn.get(), "SELECT pg_advisory_unlock($1)", {kLockKey}, &ignored);
  return ok;
}

}  // namespace ringside
