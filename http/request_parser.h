#pragma once
// llhttp, driven one request at a time: execute() stops right after each complete message
// (llhttp pauses in on_message_complete), so the caller answers it before parsing the next
// pipelined one, and knows exactly how many bytes it used.
//
// Spans are kept as offsets from the message's first byte, so the caller may move a partial
// message (from a kernel-provided buffer into the connection's own buffer) between calls:
// it tells the parser where the message now starts with rebase().
//
// llhttp is built in its strict mode (no space before the colon, CRLF after chunk data, ASCII
// request targets); the RFC 9112 rules it does not enforce even then are checked here: one
// Host in HTTP/1.1, no obs-fold, no "100 Continue" for HTTP/1.0 (docs/http.md).
#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/byte_buffer.h"
#include "http/request.h"

namespace ringside {

class RequestParser {
 public:
  enum class Status : uint8_t { kNeedMore, kComplete, kError };
  // The largest body a request may have, asked once its headers are read: kMaxBodyBytes, or
  // more for a request the caller trusts (its target and Authorization value are given).
  using BodyLimitFn = size_t (*)(void* ctx, std::string_view target,
                                 std::string_view authorization);

  RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses data[0..len). `consumed` is how many bytes were used (all of them unless a message
  // completed or an error was found). On kComplete, request() is valid until the next call.
  Status execute(const char* data, size_t len, size_t* consumed);
  // Without one, every body is limited to kMaxBodyBytes.
  void set_body_limit(BodyLimitFn fn, void* ctx) {
    body_limit_fn_ = fn;
    body_limit_ctx_ = ctx;
  }

  // True between the first byte of a message and its end.
  bool in_message() const { return in_message_; }
  bool headers_complete() const { return headers_complete_; }
  // Where the current (partial) message starts in the memory last passed to execute().
  const char* message_start() const { return base_; }
  void rebase(const char* new_start) { base_ = new_start; }
  // Bytes of the current message seen so far, given the end of the data parsed last.
  size_t message_bytes(const char* parsed_end) const {
    return base_ ? static_cast<size_t>(parsed_end - base_) : 0;
  }

  const Request& request() const { return request_; }
  // Memory held for chunked bodies; release_idle_memory() frees it between messages when it
  // is larger than kRetainedBufferBytes (the last request's body view then dangles).
  size_t held_bytes() const { return body_copy_.capacity(); }
  void release_idle_memory();
  bool expects_continue() const { return expect_continue_; }

  // After kError: the status to answer with, the error code and a sentence.
  uint16_t error_status() const { return error_status_; }
  std::string_view error_code() const { return error_code_; }
  std::string_view error_message() const { return error_message_; }
  // Records a limit error found by the caller (header block still growing past the limit).
  void fail(uint16_t status, std::string_view code, std::string_view message);

 private:
  struct Span {
    uint32_t off = 0;
    uint32_t len = 0;
  };
  enum class Header : uint8_t { kOther, kAuthorization, kExpect, kHost, kIfNoneMatch };

  static int on_message_begin(llhttp_t* p);
  static int on_method(llhttp_t* p, const char* at, size_t len);
  static int on_url(llhttp_t* p, const char* at, size_t len);
  static int on_header_field(llhttp_t* p, const char* at, size_t len);
  static int on_header_field_complete(llhttp_t* p);
  static int on_header_value(llhttp_t* p, const char* at, size_t len);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t len);
  static int on_message_complete(llhttp_t* p);

  static RequestParser& of(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }
  void extend(Span& s, const char* at, size_t len);
  std::string_view view(const Span& s) const { return {base_ + s.off, s.len}; }
  int check_header_size(const char* at, size_t len);
  bool starts_on_field_line(const char* at) const;
  void reset_message();

  llhttp_t parser_{};
  const char* base_ = nullptr;
  Span url_, field_, value_, authorization_, if_none_match_, body_span_;
  uint32_t field_end_ = 0;  // offset just past the current header's name
  ByteBuffer body_copy_;    // chunked bodies only: their pieces are not contiguous
  bool body_copied_ = false;
  Header current_header_ = Header::kOther;
  bool in_message_ = false;
  bool headers_complete_ = false;
  bool expect_continue_ = false;
  uint8_t host_headers_ = 0;
  BodyLimitFn body_limit_fn_ = nullptr;
  void* body_limit_ctx_ = nullptr;
  size_t body_limit_ = 0;  // of the current message, set when its headers are complete
  Request request_;
  uint16_t error_status_ = 0;
  std::string_view error_code_;
  std::string_view error_message_;
};

}  // namespace ringside
