#include "integration/json_fields.h"

#include <simdjson.h>

namespace ringside::itest {

std::string json_string_field(std::string_view body, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(simdjson::padded_string(body)).get(doc)) return {};
  std::string_view value;
  if (doc[key].get(value)) return {};
  return std::string(value);
}

std::optional<bool> json_bool_field(std::string_view body, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(simdjson::padded_string(body)).get(doc)) return std::nullopt;
  bool value = false;
  if (doc[key].get(value)) return std::nullopt;
  return value;
}

}  // namespace ringside::itest
