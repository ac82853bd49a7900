#pragma once
// Schema migrations: the files store/migrations/NNNN_name.sql, compiled into the binary
// (store/pg/embed_migrations.cmake), applied in order at start.
//
// apply_migrations() is safe with several nodes starting at once: it holds a PostgreSQL
// advisory lock for the whole run, so one node migrates while the others wait, then find
// nothing left to do. Each migration runs in its own transaction together with its row in
// schema_migrations, so it is applied entirely or not at all. A migration already applied
// whose text has since changed is refused (its SHA-256 is recorded): migrations are append-only.
// A database at a newer version than this binary knows is accepted (a rolling deploy: an older
// node starting next to a newer one); the report says so.
//
// It blocks (its own short-lived connection): call it at start, before the reactors serve.
#include <span>
#include <string>
#include <string_view>

namespace ringside {

struct Migration {
  int version;            // NNNN of the file name; strictly increasing
  std::string_view name;  // the file name without .sql
  std::string_view sql;   // any number of statements; no transaction control
};

// The migrations this binary was built with, in version order.
std::span<const Migration> embedded_migrations();

struct MigrationReport {
  int applied = 0;         // migrations this call applied
  int schema_version = 0;  // the highest version in the database afterwards
};

// False and why (in *error) when the database cannot be reached, a migration fails (it is
// rolled back) or an applied one was changed.
bool apply_migrations(const std::string& url, std::span<const Migration> migrations,
                      MigrationReport* report, std::string* error);

}  // namespace ringside
