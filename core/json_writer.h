#pragma once
// A streaming JSON writer that renders straight into a ByteBuffer (a connection's output or a
// reply body), with commas placed automatically. It never allocates beyond the buffer's own
// growth, and does not check the shape of what it writes: callers pair begin/end and put a
// key() before every value inside an object.
#include <cstdint>
#include <string_view>

#include "core/byte_buffer.h"

namespace ringside {

class JsonWriter {
 public:
  explicit JsonWriter(ByteBuffer& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  // Strings are escaped: '"', '\\' and control characters (\b \f \n \r \t, others as \u00xx).
  // Valid UTF-8 passes through; each maximal ill-formed subsequence becomes one U+FFFD, as
  // the Unicode standard recommends and browsers decode.
  JsonWriter& value(std::string_view s);
  // Without this overload a string literal would pick value(bool). nullptr writes null.
  JsonWriter& value(const char* s);
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v);
  JsonWriter& value(uint32_t v);
  // Shortest text that reads back to the same double (exponent form from 1e16 on); NaN and
  // infinities, which JSON cannot express, as null.
  JsonWriter& value(double v);
  JsonWriter& value(bool b);
  JsonWriter& null();
  // A value that is already JSON, copied as is.
  JsonWriter& raw(std::string_view already_json);
  // An RFC 3339 UTC string: "2025-03-09T10:15:00Z".
  JsonWriter& timestamp(int64_t unix_seconds);

 private:
  void separate();
  void open(char bracket);
  void close(char bracket);
  void write_string(std::string_view s);
  template <typename Int>
  JsonWriter& integer(Int v);

  ByteBuffer& out_;
  // True when the next key or value follows a sibling and needs a comma. begin_*() and key()
  // clear it; every completed value sets it.
  bool need_comma_ = false;
};

}  // namespace ringside
