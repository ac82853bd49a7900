#include "integration/api_json.h"

namespace ringside::itest {

Json Json::parse(std::string_view text) {
  auto parser = std::make_shared<simdjson::dom::parser>();
  simdjson::dom::element root;
  if (parser->parse(simdjson::padded_string(text)).get(root)) return {};
  return Json(std::move(parser), root);
}

bool Json::is_null() const { return present_ && element_.is_null(); }
bool Json::is_string() const { return present_ && element_.is_string(); }
bool Json::is_number() const { return present_ && element_.is_number(); }
bool Json::is_array() const { return present_ && element_.is_array(); }
bool Json::is_object() const { return present_ && element_.is_object(); }

Json Json::operator[](std::string_view key) const {
  simdjson::dom::object object;
  if (!present_ || element_.get_object().get(object)) return {};
  simdjson::dom::element member;
  if (object.at_key(key).get(member)) return {};
  return Json(parser_, member);
}

Json Json::at(size_t index) const {
  simdjson::dom::array array;
  if (!present_ || element_.get_array().get(array)) return {};
  simdjson::dom::element item;
  if (array.at(index).get(item)) return {};
  return Json(parser_, item);
}

size_t Json::size() const {
  if (!present_) return 0;
  simdjson::dom::array array;
  if (!element_.get_array().get(array)) return array.size();
  simdjson::dom::object object;
  if (!element_.get_object().get(object)) return object.size();
  return 0;
}

std::vector<std::string> Json::keys() const {
  std::vector<std::string> names;
  simdjson::dom::object object;
  if (!present_ || element_.get_object().get(object)) return names;
  for (auto field : object) names.emplace_back(field.key);
  return names;
}

std::string Json::str() const {
  std::string_view value;
  if (!present_ || element_.get_string().get(value)) return {};
  return std::string(value);
}

std::optional<double> Json::number() const {
  double value = 0;
  if (!present_ || element_.get_double().get(value)) return std::nullopt;
  return value;
}

std::optional<int64_t> Json::integer() const {
  int64_t value = 0;
  if (!present_ || element_.get_int64().get(value)) return std::nullopt;
  return value;
}

std::optional<bool> Json::boolean() const {
  bool value = false;
  if (!present_ || element_.get_bool().get(value)) return std::nullopt;
  return value;
}

std::string Json::text() const {
  if (!present_) return "<absent>";
  return simdjson::minify(element_);
}

}  // namespace ringside::itest
