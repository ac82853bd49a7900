#pragma once
// The few JSON fields a player reads from ringside's answers, parsed in place with simdjson.
#include <simdjson.h>

#include <string_view>

namespace ringside::storm {

struct ResponseFields {
  std::string_view session_token;  // operator launch
  std::string_view session_id;     // launch
  std::string_view status;         // session-status, stop
  // An error body's "error" string, or the "code" of a session's "error" object.
  std::string_view error_code;
};

class ResponseReader {
 public:
  // Reads the top-level fields above from `body`, which must be followed by at least
  // simdjson::SIMDJSON_PADDING readable bytes. Missing fields, fields of another type and
  // bodies that are not a JSON object leave the views empty. The views stay valid until the
  // next read().
  ResponseFields read(std::string_view body);

 private:
  simdjson::ondemand::parser parser_;
};

}  // namespace ringside::storm
