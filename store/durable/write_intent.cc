#include "store/durable/write_intent.h"

#include <charconv>
#include <cmath>

#include "model/wire.h"

namespace ringside {

void WriteIntentBuilder::begin(uint64_t seq, WriteClass cls) {
  buf_.clear();
  char le[sizeof seq];
  put_le(le, seq);
  buf_.append(le, sizeof le);
  buf_.push_back(static_cast<char>(cls));
  buf_.push_back(0);
  count_at_ = 0;
}

WriteIntentBuilder& WriteIntentBuilder::statement(StatementId id) {
  buf_[9] = static_cast<char>(static_cast<uint8_t>(buf_[9]) + 1);
  buf_.push_back(static_cast<char>(id));
  count_at_ = buf_.size();
  buf_.push_back(0);
  return *this;
}

void WriteIntentBuilder::param_bytes(const char* data, uint32_t size) {
  buf_[count_at_] = static_cast<char>(static_cast<uint8_t>(buf_[count_at_]) + 1);
  char le[sizeof size];
  put_le(le, size);
  buf_.append(le, sizeof le);
  if (data) buf_.append(data, size);
}

WriteIntentBuilder& WriteIntentBuilder::text(std::string_view value) {
  param_bytes(value.data(), static_cast<uint32_t>(value.size()));
  return *this;
}

WriteIntentBuilder& WriteIntentBuilder::null() {
  param_bytes(nullptr, 0xFFFFFFFF);
  return *this;
}

WriteIntentBuilder& WriteIntentBuilder::integer(int64_t value) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, value);
  return text(std::string_view(num, static_cast<size_t>(r.ptr - num)));
}

WriteIntentBuilder& WriteIntentBuilder::number(double value) {
  if (std::isnan(value)) return null();
  char num[32];
  auto r = std::to_chars(num, num + sizeof num, value);
  return text(std::string_view(num, static_cast<size_t>(r.ptr - num)));
}

WriteIntentBuilder& WriteIntentBuilder::bytea(const void* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  char out[2 + 2 * 64];
  if (size > 64) size = 64;  // hashes and seeds only
  out[0] = '\\';
  out[1] = 'x';
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) {
    out[2 + 2 * i] = kHex[p[i] >> 4];
    out[3 + 2 * i] = kHex[p[i] & 15];
  }
  return text(std::string_view(out, 2 + 2 * size));
}

uint32_t WriteIntentReader::read_u32(size_t at) const {
  return get_le<uint32_t>(bytes_.data() + at);
}

bool WriteIntentReader::parse(std::string_view bytes) {
  if (bytes.size() < 10) return false;
  bytes_ = bytes;
  seq_ = get_le<uint64_t>(bytes.data());
  const auto cls = static_cast<uint8_t>(bytes[8]);
  if (cls > static_cast<uint8_t>(WriteClass::kBackground)) return false;
  cls_ = static_cast<WriteClass>(cls);
  count_ = static_cast<uint8_t>(bytes[9]);
  // Walk it once so that for_each never reads out of bounds.
  size_t at = 10;
  for (size_t i = 0; i < count_; ++i) {
    if (at + 2 > bytes.size()) return false;
    if (static_cast<uint8_t>(bytes[at]) >= kStatementCount) return false;
    const auto n = static_cast<uint8_t>(bytes[at + 1]);
    at += 2;
    for (size_t p = 0; p < n; ++p) {
      if (at + 4 > bytes.size()) return false;
      const uint32_t len = read_u32(at);
      at += 4;
      if (len == kNull) continue;
      if (len > bytes.size() - at) return false;
      at += len;
    }
  }
  return at == bytes.size();
}

}  // namespace ringside
