#pragma once
// Reads nested values out of a JSON response body for the Sessions API tests, e.g.
// Json::parse(body)["session"]["status"].str(). A missing key, a wrong type or a body that is
// not JSON gives an absent value rather than an exception, so a chain of lookups always ends
// in something a test can compare with what it expects.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringside::itest {

class Json {
 public:
  // An absent value (what a failed lookup gives).
  Json() = default;
  static Json parse(std::string_view text);

  // False for a failed lookup or a body that is not JSON; true for every present value,
  // null included.
  bool exists() const { return present_; }
  bool is_null() const;
  bool is_string() const;
  bool is_number() const;
  bool is_array() const;
  bool is_object() const;

  // The member `key` of an object; absent otherwise.
  Json operator[](std::string_view key) const;
  // Element `index` of an array; absent otherwise.
  Json at(size_t index) const;
  // Elements of an array or members of an object; 0 for anything else.
  size_t size() const;
  // Member names of an object, in order.
  std::vector<std::string> keys() const;

  // "" unless the value is a string.
  std::string str() const;
  std::optional<double> number() const;
  std::optional<int64_t> integer() const;
  std::optional<bool> boolean() const;

  // The value as compact JSON text, for failure messages ("<absent>" when absent).
  std::string text() const;

 private:
  Json(std::shared_ptr<simdjson::dom::parser> parser, simdjson::dom::element element)
      : parser_(std::move(parser)), element_(element), present_(true) {}

  std::shared_ptr<simdjson::dom::parser> parser_;  // owns the memory element_ points into
  simdjson::dom::element element_;
  bool present_ = false;
};

}  // namespace ringside::itest
