#pragma once
// Reads single top-level fields out of a JSON response body (parsed with simdjson), so tests
// compare values rather than bytes.
#include <optional>
#include <string>
#include <string_view>

namespace ringside::itest {

// The string value of a top-level field, or "" when the body is not a JSON object or the field
// is missing or not a string.
std::string json_string_field(std::string_view body, std::string_view key);

// The boolean value of a top-level field, or nullopt when it is missing or not a boolean.
std::optional<bool> json_bool_field(std::string_view body, std::string_view key);

}  // namespace ringside::itest
