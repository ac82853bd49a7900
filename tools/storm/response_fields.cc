#include "tools/storm/response_fields.h"

namespace ringside::storm {
namespace {

std::string_view string_or_empty(simdjson::ondemand::value value) {
  std::string_view s;
  return value.get_string().get(s) ? std::string_view() : s;
}

// A session in error carries {"error": {"code", "message"}}; an error answer {"error": "code"}.
std::string_view error_code(simdjson::ondemand::value value) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return {};
  if (type == simdjson::ondemand::json_type::string) return string_or_empty(value);
  if (type != simdjson::ondemand::json_type::object) return {};
  simdjson::ondemand::value code;
  if (value.find_field_unordered("code").get(code)) return {};
  return string_or_empty(code);
}

}  // namespace

ResponseFields ResponseReader::read(std::string_view body) {
  ResponseFields fields;
  simdjson::ondemand::document doc;
  if (parser_.iterate(body.data(), body.size(), body.size() + simdjson::SIMDJSON_PADDING)
          .get(doc)) {
    return fields;
  }
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) return fields;
  for (auto field : object) {
    std::string_view key;
    simdjson::ondemand::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) return fields;
    if (key == "sessionToken") {
      fields.session_token = string_or_empty(value);
    } else if (key == "sessionId") {
      fields.session_id = string_or_empty(value);
    } else if (key == "status") {
      fields.status = string_or_empty(value);
    } else if (key == "error") {
      fields.error_code = error_code(value);
    }
  }
  return fields;
}

}  // namespace ringside::storm
