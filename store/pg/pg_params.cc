#include "store/pg/pg_params.h"

#include <charconv>
#include <cmath>

namespace ringside {

void PgParams::finish_value(size_t start) {
  text_.push_back('\0');
  offsets_.push_back(static_cast<uint32_t>(start));
}

PgParams& PgParams::add(std::string_view text) {
  size_t start = text_.size();
  text_.append(text.substr(0, text.find('\0')));
  finish_value(start);
  return *this;
}

PgParams& PgParams::add(int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return add(std::string_view(buf, static_cast<size_t>(end - buf)));
}

PgParams& PgParams::add(double value) {
  if (std::isnan(value)) return add("NaN");
  if (std::isinf(value)) return add(value > 0 ? "Infinity" : "-Infinity");
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return add(std::string_view(buf, static_cast<size_t>(end - buf)));
}

PgParams& PgParams::add(bool value) { return add(value ? "t" : "f"); }

PgParams& PgParams::add_null() {
  offsets_.push_back(kNull);
  return *this;
}

PgParams& PgParams::add_bytea(const void* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t start = text_.size();
  text_.append("\\x");
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    text_.push_back(kHex[bytes[i] >> 4]);
    text_.push_back(kHex[bytes[i] & 0xF]);
  }
  finish_value(start);
  return *this;
}

void PgParams::clear() {
  text_.clear();
  offsets_.clear();
}

const char* const* PgParams::values() const {
  pointers_.clear();
  for (uint32_t offset : offsets_) {
    pointers_.push_back(offset == kNull ? nullptr : text_.data() + offset);
  }
  return pointers_.data();
}

}  // namespace ringside
