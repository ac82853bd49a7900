#pragma once
// What PostgreSQL answered: the rows of one statement (PgResult), or why a batch failed
// (PgError).
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ringside {

struct PgError {
  enum class Kind : uint8_t {
    // The server rejected a statement of the batch (`sqlstate` says why). The batch's
    // transaction was rolled back: nothing of it was committed.
    kStatement,
    // The connection was lost (or gave no answer in time) before the batch's outcome arrived.
    // Its transaction may or may not have committed, so every write must be safe to repeat.
    kConnection,
  };
  Kind kind = Kind::kStatement;
  std::string sqlstate;  // five characters when the server sent one, else empty
  std::string message;
  int statement = -1;  // index in its batch of the statement the server rejected, else -1
};

// One statement's result, owning its PGresult. Text format: values are as psql prints them.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}

  int rows() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  // Index of the column with this name, or -1.
  int column(const char* name) const { return PQfnumber(result_.get(), name); }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  // The value's text; empty for NULL (tell them apart with is_null). Valid while this lives.
  std::string_view text(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<size_t>(PQgetlength(result_.get(), row, column))};
  }
  // Rows an INSERT, UPDATE, DELETE (or SELECT) touched; 0 for other commands.
  int64_t affected_rows() const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

}  // namespace ringside
