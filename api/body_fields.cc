#include "api/body_fields.h"

#include <cstdio>
#include <cstring>

namespace ringside {

std::string_view BodyParser::wrong_type(const BodyField& f) {
  int n = snprintf(message_, sizeof message_, "Field '%.*s' must be a %s.",
                   static_cast<int>(f.name.size()), f.name.data(),
                   f.type == BodyField::Type::kString ? "string" : "boolean");
  return {message_, static_cast<size_t>(n)};
}

std::string_view BodyParser::parse(std::string_view body, std::span<BodyField> fields) {
  for (BodyField& f : fields) f.present = false;
  padded_.clear();
  char* p = padded_.prepare(body.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(p, body.data(), body.size());
  std::memset(p + body.size(), 0, simdjson::SIMDJSON_PADDING);
  padded_.commit(body.size());

  simdjson::ondemand::document doc;
  if (parser_.iterate(p, body.size(), body.size() + simdjson::SIMDJSON_PADDING).get(doc)) {
    return "The body is not valid JSON.";
  }
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) return "The body must be a JSON object.";
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return "The body is not valid JSON.";
    for (BodyField& f : fields) {
      if (f.name != key) continue;
      if (f.type == BodyField::Type::kString) {
        if (field.value().get_string().get(f.text)) return wrong_type(f);
      } else {
        if (field.value().get_bool().get(f.flag)) return wrong_type(f);
      }
      f.present = true;
    }
  }
  // Past the closing brace the document has nothing left: anything else is malformed.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return "The body is not valid JSON.";
  }
  return {};
}

}  // namespace ringside
