#pragma once
// A write intent: what a shard asks the I/O core to make durable, as one message. It names
// prepared statements (store/durable/statements.h) and their parameters in PostgreSQL's text
// format, so the shard decides what to write and the I/O core only groups intents into
// transactions (store/durable/store_writer.h) without knowing what they mean.
//
// Wire layout, little-endian, no padding:
//   u64 seq | u8 class | u8 statement count | statements...
//   statement: u8 statement | u8 parameter count | parameters...
//   parameter: u32 length (0xFFFFFFFF: NULL) | bytes
#include <cstdint>
#include <string>
#include <string_view>

#include "store/durable/statements.h"
#include "store/pg/pg_params.h"

namespace ringside {

enum class WriteClass : uint8_t {
  // Answers a request (a launch, a token): the request waits for the commit, and fails with
  // 503 if the database cannot take it now. Never retried: the client retries.
  kRequest,
  // Records what already happened (a session ran, ended, was touched): kept and retried, in
  // order, until it commits.
  kBackground,
};

class WriteIntentBuilder {
 public:
  // Starts a new intent, dropping what was built before.
  void begin(uint64_t seq, WriteClass cls);
  WriteIntentBuilder& statement(StatementId id);
  WriteIntentBuilder& text(std::string_view value);
  WriteIntentBuilder& null();
  WriteIntentBuilder& integer(int64_t value);
  // NaN (an unknown figure) is written as NULL.
  WriteIntentBuilder& number(double value);
  // bytea, as PostgreSQL's hex text (\x...).
  WriteIntentBuilder& bytea(const void* data, size_t size);
  // Text or NULL.
  WriteIntentBuilder& text_or_null(std::string_view value, bool present) {
    return present ? text(value) : null();
  }

  std::string_view bytes() const { return buf_; }
  size_t statement_count() const { return static_cast<uint8_t>(buf_[9]); }

 private:
  void param_bytes(const char* data, uint32_t size);

  std::string buf_;
  size_t count_at_ = 0;  // where the open statement's parameter count is
};

// Reads an intent; every accessor assumes parse() returned true.
class WriteIntentReader {
 public:
  // False when the bytes are not a well-formed intent.
  bool parse(std::string_view bytes);
  uint64_t seq() const { return seq_; }
  WriteClass write_class() const { return cls_; }
  size_t statement_count() const { return count_; }
  // Calls fn(StatementId, const PgParams&) for each statement, in order; `params` is reused.
  template <typename Fn>
  void for_each(PgParams& params, Fn&& fn) const {
    size_t at = 10;
    for (size_t i = 0; i < count_; ++i) {
      const auto id = static_cast<StatementId>(bytes_[at]);
      const auto n = static_cast<uint8_t>(bytes_[at + 1]);
      at += 2;
      params.clear();
      for (size_t p = 0; p < n; ++p) {
        const uint32_t len = read_u32(at);
        at += 4;
        if (len == kNull) {
          params.add_null();
        } else {
          params.add(bytes_.substr(at, len));
          at += len;
        }
      }
      fn(id, static_cast<const PgParams&>(params));
    }
  }

 private:
  static constexpr uint32_t kNull = 0xFFFFFFFF;
  uint32_t read_u32(size_t at) const;

  std::string_view bytes_;
  uint64_t seq_ = 0;
  WriteClass cls_ = WriteClass::kRequest;
  size_t count_ = 0;
};

}  // namespace ringside
