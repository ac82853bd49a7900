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

  simdjson::dom::element root;
  if (parser_.parse(p, body.size(), false).get(root)) return "The body is not valid JSON.";
  simdjson::dom::object object;
  if (root.get_object().get(object)) return "The body must be a JSON object.";
  for (simdjson::dom::key_value_pair field : object) {
    for (BodyField& f : fields) {
      if (f.name != field.key) continue;
      if (f.type == BodyField::Type::kString) {
        if (field.value.get_string().get(f.text)) return wrong_type(f);
      } else {
        if (field.value.get_bool().get(f.flag)) return wrong_type(f);
      }
      f.present = true;
    }
  }
  return {};
}

}  // namespace ringside
