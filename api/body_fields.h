#pragma once
// Request bodies are small flat JSON objects. This reads the fields a handler expects with
// simdjson (one parser per shard, reused: no allocation once warm), checks their types,
// ignores unknown ones, and refuses anything that is not a well-formed object.
//
// simdjson's DOM parser, not On Demand: On Demand skips the values it is not asked for
// without validating them (`{"x": tru}` would pass), and its kernel is chosen at compile
// time, which for a baseline x86-64 build is the scalar fallback; the DOM parser validates
// the whole document and picks the SIMD kernel at run time. For bodies of a few dozen bytes
// the full parse costs nothing worth saving.
//
// Unknown fields of every valid JSON type are ignored, numbers too big for simdjson's DOM (past
// 64-bit integers and doubles) included: see blank_numbers(). A kUint field (a non-negative
// integer) is refused as out of range when the body held such a number, since its value may
// be the one blanked.
#include <simdjson.h>

#include <span>
#include <string_view>

#include "core/byte_buffer.h"

namespace ringside {

struct BodyField {
  enum class Type : uint8_t { kString, kBool, kUint };
  std::string_view name;
  Type type = Type::kString;
  bool present = false;
  std::string_view text;  // kString: valid until the next parse
  bool flag = false;      // kBool
  uint64_t number = 0;    // kUint
};

class BodyParser {
 public:
  // Fills `fields`. Returns an empty view on success, else a sentence for a 400
  // invalid_request (valid until the next parse).
  std::string_view parse(std::string_view body, std::span<BodyField> fields);

 private:
  simdjson::dom::parser parser_;
  std::string_view wrong_type(const BodyField& f);

  ByteBuffer padded_;  // the body copied with simdjson's required padding
  char message_[128];
};

}  // namespace ringside
