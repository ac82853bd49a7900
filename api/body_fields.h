#pragma once
// Request bodies are small flat JSON objects. This reads the fields a handler expects in one
// pass with simdjson's On Demand parser (one parser per shard, reused), checks their types,
// ignores unknown ones, and refuses anything that is not a well-formed object.
#include <simdjson.h>

#include <span>
#include <string_view>

#include "core/byte_buffer.h"

namespace ringside {

struct BodyField {
  enum class Type : uint8_t { kString, kBool };
  std::string_view name;
  Type type = Type::kString;
  bool present = false;
  std::string_view text;  // kString: valid until the next parse
  bool flag = false;      // kBool
};

class BodyParser {
 public:
  // Fills `fields`. Returns an empty view on success, else a sentence for a 400
  // invalid_request (valid until the next parse).
  std::string_view parse(std::string_view body, std::span<BodyField> fields);

 private:
  simdjson::ondemand::parser parser_;
  std::string_view wrong_type(const BodyField& f);

  ByteBuffer padded_;  // the body copied with simdjson's required padding
  char message_[128];
};

}  // namespace ringside
