#include "store/pg/pg_result.h"

#include <charconv>
#include <cstring>

namespace ringside {

int64_t PgResult::affected_rows() const {
  const char* text = PQcmdTuples(result_.get());
  int64_t n = 0;
  std::from_chars(text, text + std::strlen(text), n);
  return n;
}

}  // namespace ringside
