#include "core/json_writer.h"

#include <cstring>

#include <charconv>
#include <cmath>

#include "core/clock_format.h"

namespace ringside {
namespace {

// Bytes that a JSON string can carry as they are: printable ASCII except '"' and '\\'.
// Bytes >= 0x80 are handled separately (UTF-8).
constexpr bool is_plain_ascii(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// Whether all 8 bytes of w are plain ASCII, tested together (SWAR): no byte >= 0x80, none
// < 0x20, none equal to '"' or '\\'. Most strings in answers (ids, URLs, slugs) are all
// plain, so the byte loop below mostly steps 8 at a time.
constexpr bool all_plain_ascii(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return ((w & kHigh) | below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) ==
         0;
}

// Length of the UTF-8 sequence that starts at p, and whether it is well formed (RFC 3629
// table: no overlongs, no surrogates, nothing above U+10FFFF). When it is not, the length is
// that of its maximal ill-formed prefix, which becomes a single U+FFFD.
struct Utf8Sequence {
  size_t length;
  bool valid;
};

Utf8Sequence scan_utf8(const unsigned char* p, size_t available) {
  const unsigned char lead = p[0];
  size_t need;                         // continuation bytes after the lead
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the first continuation byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};  // stray continuation byte, overlong lead (C0, C1) or F5..FF
  }
  if (available < 2 || p[1] < lo || p[1] > hi) return {1, false};
  for (size_t i = 2; i <= need; ++i) {
    if (i >= available || p[i] < 0x80 || p[i] > 0xBF) return {i, false};
  }
  return {need + 1, true};
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

void append_escape(ByteBuffer& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default: {
      const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escape, sizeof escape);
    }
  }
}

}  // namespace

void JsonWriter::separate() {
  if (need_comma_) out_.push_back(',');
}

void JsonWriter::open(char bracket) {
  separate();
  out_.push_back(bracket);
  need_comma_ = false;
}

void JsonWriter::close(char bracket) {
  out_.push_back(bracket);
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  open('{');
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  close('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  open('[');
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  close(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  write_string(k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

// Copies runs of bytes that need no escaping in one append each; most strings are one run.
void JsonWriter::write_string(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  out_.push_back('"');
  size_t run_start = 0;
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (all_plain_ascii(w)) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (is_plain_ascii(c)) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const Utf8Sequence seq = scan_utf8(p + i, n - i);
      if (seq.valid) {
        i += seq.length;
        continue;
      }
      out_.append(s.data() + run_start, i - run_start);
      out_.append(kReplacementCharacter);
      i += seq.length;
    } else {
      out_.append(s.data() + run_start, i - run_start);
      append_escape(out_, c);
      ++i;
    }
    run_start = i;
  }
  out_.append(s.data() + run_start, n - run_start);
  out_.push_back('"');
}

JsonWriter& JsonWriter::value(std::string_view s) {
  separate();
  write_string(s);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(const char* s) {
  if (s == nullptr) return null();
  return value(std::string_view(s));
}

template <typename Int>
JsonWriter& JsonWriter::integer(Int v) {
  separate();
  constexpr size_t kMaxDigits = 20;  // "-9223372036854775808", "18446744073709551615"
  char* p = out_.prepare(kMaxDigits);
  const auto result = std::to_chars(p, p + kMaxDigits, v);
  out_.commit(static_cast<size_t>(result.ptr - p));
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(int64_t v) { return integer(v); }
JsonWriter& JsonWriter::value(uint64_t v) { return integer(v); }
JsonWriter& JsonWriter::value(int v) { return integer(v); }
JsonWriter& JsonWriter::value(uint32_t v) { return integer(v); }

JsonWriter& JsonWriter::value(double v) {
  if (!std::isfinite(v)) return null();
  separate();
  // The shortest round-trip text is at most 24 characters ("-2.2250738585072014e-308").
  constexpr size_t kMaxChars = 32;
  char* p = out_.prepare(kMaxChars);
  // Plain to_chars picks fixed notation whenever it is shorter, which turns 2^70 into a
  // 22-digit integer that some parsers (simdjson among them) reject as out of range. From 1e16
  // on, where doubles no longer hold every integer anyway, write the exponent form instead.
  const auto result = std::fabs(v) < 1e16
                          ? std::to_chars(p, p + kMaxChars, v)
                          : std::to_chars(p, p + kMaxChars, v, std::chars_format::scientific);
  out_.commit(static_cast<size_t>(result.ptr - p));
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool b) { return raw(b ? "true" : "false"); }

JsonWriter& JsonWriter::null() { return raw("null"); }

JsonWriter& JsonWriter::raw(std::string_view already_json) {
  separate();
  out_.append(already_json);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::timestamp(int64_t unix_seconds) {
  separate();
  char* p = out_.prepare(kRfc3339Length + 2);
  p[0] = '"';
  format_rfc3339(unix_seconds, p + 1);
  p[kRfc3339Length + 1] = '"';
  out_.commit(kRfc3339Length + 2);
  need_comma_ = true;
  return *this;
}

}  // namespace ringside
