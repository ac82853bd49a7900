#pragma once
// The parameters of one statement, in PostgreSQL's text format, kept in one reusable buffer so
// building a statement allocates nothing once the buffer has grown. libpq copies the values
// into its output buffer when the statement is sent, so a PgParams can be cleared and reused
// right after.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringside {

class PgParams {
 public:
  // Text as is. PostgreSQL text cannot hold a NUL byte: text is cut at the first one.
  PgParams& add(std::string_view text);
  PgParams& add(const char* text) { return add(std::string_view(text)); }
  PgParams& add(int64_t value);
  PgParams& add(int value) { return add(static_cast<int64_t>(value)); }
  PgParams& add(uint32_t value) { return add(static_cast<int64_t>(value)); }
  // Shortest text that reads back as the same double; NaN and infinities in PostgreSQL's words.
  PgParams& add(double value);
  PgParams& add(bool value);
  PgParams& add_null();
  // bytea in hex form (\x...).
  PgParams& add_bytea(const void* data, size_t size);

  void clear();
  int size() const { return static_cast<int>(offsets_.size()); }
  // For PQsendQueryParams and friends: one NUL-terminated value or null pointer per parameter.
  // Valid until the next change to this object.
  const char* const* values() const;

 private:
  static constexpr uint32_t kNull = 0xFFFFFFFF;
  void finish_value(size_t start);

  std::string text_;               // the values, each followed by a NUL
  std::vector<uint32_t> offsets_;  // where each value starts in text_, or kNull
  mutable std::vector<const char*> pointers_;
};

}  // namespace ringside
