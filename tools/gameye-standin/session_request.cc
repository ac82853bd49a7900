#include "tools/gameye-standin/session_request.h"

#include <simdjson.h>

#include <array>
#include <cctype>

namespace ringside::gameye_standin {
namespace {

using simdjson::dom::element;

// SessionRun's properties (OpenAPI 1.2.1); it has additionalProperties: false.
constexpr std::array<std::string_view, 9> kKnownFields = {
    "id", "location", "image", "env", "args", "restart", "labels", "version", "ttl"};
// Seed 002's required fields (SessionRun requires only location and image).
constexpr std::array<std::string_view, 6> kRequiredFields = {"id",  "location", "image",
                                                             "env", "args",     "restart"};

bool is_known(std::string_view key) {
  for (std::string_view k : kKnownFields) {
    if (k == key) return true;
  }
  return false;
}

// A string, and a non-empty one when `min_length` is 1 (SessionRun's minLength).
bool is_string(element value, size_t min_length) {
  std::string_view text;
  return value.get(text) == simdjson::SUCCESS && text.size() >= min_length;
}

bool is_string_map(element value, size_t min_length) {
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) return false;
  for (auto field : object) {
    if (!is_string(field.value, min_length)) return false;
  }
  return true;
}

bool is_string_array(element value, size_t min_length) {
  simdjson::dom::array array;
  if (value.get(array) != simdjson::SUCCESS) return false;
  for (element item : array) {
    if (!is_string(item, min_length)) return false;
  }
  return true;
}

std::string_view text_of(element value) { return std::string_view(value.get_string().value()); }

// The fields of an object of strings (checked by is_string_map()).
Labels pairs_of(element value) {
  Labels pairs;
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) return pairs;
  for (auto field : object) {
    pairs.emplace_back(std::string(field.key), std::string(text_of(field.value)));
  }
  return pairs;
}

// Checks one known field and copies what the stand-in keeps into *out.
void check_field(std::string_view key, element value, SessionRequest* out,
                 std::vector<Violation>* violations) {
  auto refuse = [&](std::string_view why) {
    violations->push_back({std::string(key), std::string(why)});
  };
  if (key == "id") {
    if (!value.is_string() || !is_uuid(text_of(value))) return refuse("must be a UUID");
    out->id = text_of(value);
  } else if (key == "location" || key == "image") {
    if (!value.is_string() || text_of(value).empty()) return refuse("must be a non-empty string");
    (key == "location" ? out->location : out->image) = text_of(value);
  } else if (key == "env") {
    if (!is_string_map(value, 1)) return refuse("must be an object of non-empty strings");
    out->env = pairs_of(value);
  } else if (key == "args") {
    if (!is_string_array(value, 1)) return refuse("must be an array of non-empty strings");
  } else if (key == "restart") {
    if (!value.is_bool()) return refuse("must be a boolean");
  } else if (key == "labels") {
    if (!is_string_map(value, 0)) return refuse("must be an object of strings");
    out->labels = pairs_of(value);
  } else if (key == "version" || key == "ttl") {
    if (!value.is_string()) return refuse("must be a string");
    if (key == "version") out->version = text_of(value);
  }
}

}  // namespace

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::vector<Violation> parse_session_request(std::string_view body, SessionRequest* out) {
  std::vector<Violation> violations;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(object) != simdjson::SUCCESS) {
    violations.push_back({"body", "must be a JSON object"});
    return violations;
  }
  for (std::string_view required : kRequiredFields) {
    if (object.at_key(required).error() == simdjson::NO_SUCH_FIELD) {
      violations.push_back({std::string(required), "is required"});
    }
  }
  for (auto field : object) {
    const std::string_view key(field.key);
    if (!is_known(key)) {
      violations.push_back({std::string(key), "is not a known field"});
    } else {
      check_field(key, field.value, out, &violations);
    }
  }
  return violations;
}

}  // namespace ringside::gameye_standin
