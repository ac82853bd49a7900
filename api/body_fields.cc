#include "api/body_fields.h"

#include <cstdio>
#include <cstring>

namespace ringside {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The end of the JSON number (RFC 8259 section 6) that starts at `i`, or `i` when none does.
size_t number_end(const char* p, size_t i, size_t n) {
  const size_t start = i;
  if (i < n && p[i] == '-') ++i;
  if (i < n && p[i] == '0') {
    ++i;
  } else if (i < n && is_digit(p[i])) {
    while (i < n && is_digit(p[i])) ++i;
  } else {
    return start;
  }
  if (i + 1 < n && p[i] == '.' && is_digit(p[i + 1])) {
    i += 2;
    while (i < n && is_digit(p[i])) ++i;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    size_t e = i + 1;
    if (e < n && (p[e] == '+' || p[e] == '-')) ++e;
    if (e < n && is_digit(p[e])) {
      while (e < n && is_digit(p[e])) ++e;
      i = e;
    }
  }
  return i;
}

bool is_any_of(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

// simdjson's DOM refuses numbers that no 64-bit integer or double holds (NUMBER_ERROR), though
// they are valid JSON. No field read here is a number, so their values never matter: every
// number that stands alone as a value (between delimiters, outside strings) becomes a 0 padded
// with spaces, which is valid exactly where the number was. Anything else is left for the
// parser to refuse. Returns whether anything changed.
bool blank_numbers(char* p, size_t n) {
  bool changed = false;
  bool in_string = false;
  for (size_t i = 0; i < n; ++i) {
    const char c = p[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if ((c != '-' && !is_digit(c)) || (i > 0 && !is_any_of(p[i - 1], " \t\r\n:,["))) continue;
    const size_t end = number_end(p, i, n);
    if (end == i || (end < n && !is_any_of(p[end], " \t\r\n,]}"))) continue;
    p[i] = '0';
    std::memset(p + i + 1, ' ', end - i - 1);
    changed = true;
    i = end - 1;
  }
  return changed;
}

}  // namespace

std::string_view BodyParser::wrong_type(const BodyField& f) {
  int n = snprintf(message_, sizeof message_, "Field '%.*s' must be a %s.",
                   static_cast<int>(f.name.size()), f.name.data(),
                   f.type == BodyField::Type::kString ? "string"
                   : f.type == BodyField::Type::kBool ? "boolean"
                                                      : "non-negative integer");
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
  simdjson::error_code error = parser_.parse(p, body.size(), false).get(root);
  bool blanked = false;
  if (error == simdjson::NUMBER_ERROR && blank_numbers(p, body.size())) {
    blanked = true;
    error = parser_.parse(p, body.size(), false).get(root);
  }
  if (error) return "The body is not valid JSON.";
  simdjson::dom::object object;
  if (root.get_object().get(object)) return "The body must be a JSON object.";
  for (simdjson::dom::key_value_pair field : object) {
    for (BodyField& f : fields) {
      if (f.name != field.key) continue;
      if (f.type == BodyField::Type::kString) {
        if (field.value.get_string().get(f.text)) return wrong_type(f);
      } else if (f.type == BodyField::Type::kBool) {
        if (field.value.get_bool().get(f.flag)) return wrong_type(f);
      } else {
        if (blanked || field.value.get_uint64().get(f.number)) return wrong_type(f);
      }
      f.present = true;
    }
  }
  return {};
}

}  // namespace ringside
