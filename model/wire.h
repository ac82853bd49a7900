#pragma once
// The byte-level encoding of the messages that may travel between nodes (model/messages.h):
// fixed-width little-endian integers, doubles as their IEEE-754 bits, strings as an explicit
// length and their bytes. No struct is ever copied raw, so the form does not depend on the
// compiler's layout or the host's byte order.
//
// WireWriter writes into room its caller sized with the same field list (encoded_size()).
// WireReader reads a payload of unknown origin: every read checks the bytes left first, a
// string is handed out as a view only once its whole length is known to be there, and the
// first failure sticks (later reads return zeros), so a decoder reads all fields and asks
// done() once: true only if nothing failed and no byte is left over.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "model/ids.h"

namespace ringside {

// An unsigned integer as sizeof(U) little-endian bytes at `p` (compiles to one plain store or
// load on a little-endian host).
template <class U>
void put_le(char* p, U v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
  } else {
    for (size_t i = 0; i < sizeof(U); ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
}
template <class U>
U get_le(const char* p) {
  U v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    for (size_t i = 0; i < sizeof(U); ++i)
      v |= static_cast<U>(static_cast<uint8_t>(p[i])) << (8 * i);
  }
  return v;
}

// The bytes each field takes.
namespace wire_size {
inline constexpr uint32_t kU8 = 1, kU16 = 2, kU32 = 4, kU64 = 8, kF64 = 8, kId = 16;
inline constexpr uint32_t str16(std::string_view s) {
  return kU16 + static_cast<uint32_t>(s.size());
}
inline constexpr uint32_t str32(std::string_view s) {
  return kU32 + static_cast<uint32_t>(s.size());
}
}  // namespace wire_size

class WireWriter {
 public:
  explicit WireWriter(char* out) : p_(out) {}

  void u8(uint8_t v) { *p_++ = static_cast<char>(v); }
  void u16(uint16_t v) { le(v); }
  void u32(uint32_t v) { le(v); }
  void u64(uint64_t v) { le(v); }
  void f64(double v) { u64(std::bit_cast<uint64_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void id(const Id128& v) {
    u64(v.hi);
    u64(v.lo);
  }
  // An id's owner: u16, the value in the low 10 bits, bit 15 set for a legacy id.
  void owner(IdOwner v) { u16(static_cast<uint16_t>(v.value | (v.legacy ? kLegacyBit : 0))); }
  static constexpr uint16_t kLegacyBit = 0x8000;
  // A string of at most 65535 bytes. Every caller bounds its fields well below; a longer one
  // would be written with a truncated length, a message that cannot decode, so it aborts (in
  // every build: it is a bug of the sender, not input).
  void str16(std::string_view s) {
    if (s.size() > UINT16_MAX) str16_too_long(s.size());
    u16(static_cast<uint16_t>(s.size()));
    bytes(s);
  }
  void str32(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes(s);
  }

  char* end() const { return p_; }

 private:
  template <class U>
  void le(U v) {
    put_le(p_, v);
    p_ += sizeof(U);
  }
  [[noreturn, gnu::cold]] static void str16_too_long(size_t size) {
    std::fprintf(stderr, "ringside: WireWriter::str16 given %zu bytes (at most 65535)\n", size);
    std::abort();
  }
  void bytes(std::string_view s) {
    if (s.empty()) return;  // an empty view's data() may be null, which memcpy may not take
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }

  char* p_;
};

class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}

  uint8_t u8() { return le<uint8_t>(); }
  uint16_t u16() { return le<uint16_t>(); }
  uint32_t u32() { return le<uint32_t>(); }
  uint64_t u64() { return le<uint64_t>(); }
  double f64() { return std::bit_cast<double>(u64()); }
  // 0 or 1; anything else fails.
  bool boolean() {
    const uint8_t v = u8();
    if (v > 1) fail();
    return v == 1;
  }
  Id128 id() {
    Id128 v;
    v.hi = u64();
    v.lo = u64();
    return v;
  }
  // WireWriter::owner; refused with a value past kMaxShardCount or another bit set.
  IdOwner owner() {
    const uint16_t v = u16();
    const uint16_t value = v & static_cast<uint16_t>(~WireWriter::kLegacyBit);
    if (value >= kMaxShardCount) fail();
    return ok_ ? IdOwner{value, (v & WireWriter::kLegacyBit) != 0} : IdOwner{};
  }
  // An enum stored as a byte, refused past `last`.
  template <class E>
  E enumeration(E last) {
    const uint8_t v = u8();
    if (v > static_cast<uint8_t>(last)) fail();
    return ok_ ? static_cast<E>(v) : E{};
  }
  std::string_view str16() { return take(u16()); }
  // A string whose field documents a limit: refused past `max` bytes.
  std::string_view str16(size_t max) {
    const std::string_view s = str16();
    if (s.size() > max) fail();
    return ok_ ? s : std::string_view();
  }
  std::string_view str32() { return take(u32()); }

  void fail() { ok_ = false; }
  bool ok() const { return ok_; }
  // Every field read, nothing failed, and nothing left over.
  bool done() const { return ok_ && in_.empty(); }

 private:
  template <class U>
  U le() {
    if (!ok_ || in_.size() < sizeof(U)) {
      ok_ = false;
      return 0;
    }
    const U v = get_le<U>(in_.data());
    in_.remove_prefix(sizeof(U));
    return v;
  }
  std::string_view take(size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return {};
    }
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }

  std::string_view in_;
  bool ok_ = true;
};

}  // namespace ringside
