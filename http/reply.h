#pragma once
// A handler's answer before the connection frames it: status, extra header lines, and a body
// rendered into a scratch buffer the shard reuses for every request.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/byte_buffer.h"

namespace ringside {

inline constexpr std::string_view kJsonContentType = "application/json";

class Reply {
 public:
  explicit Reply(ByteBuffer& body) : body_(body) { body_.clear(); }

  uint16_t status() const { return status_; }
  void set_status(uint16_t status) { status_ = status; }

  // For /metrics by route; kNoRoute for requests that matched none.
  static constexpr uint16_t kNoRoute = 0xFFFF;
  uint16_t route() const { return route_; }
  void set_route(uint16_t route) { route_ = route; }

  std::string_view content_type() const { return content_type_; }
  // `type` must outlive the reply (a literal).
  void set_content_type(std::string_view type) { content_type_ = type; }

  ByteBuffer& body() { return body_; }
  std::string_view body_view() const { return body_.view(); }

  // Adds "Name: value\r\n". Extra headers are few and short (Allow, Retry-After; the play
  // page's content security policy, the longest, is about 200 bytes).
  void add_header(std::string_view name, std::string_view value);
  // Adds header lines already rendered by another Reply ("Name: value\r\n"...).
  void add_rendered_headers(std::string_view lines);
  std::string_view extra_headers() const { return {headers_, headers_len_}; }

  // Renders the SPEC's error body {"error": code, "message": message} with `status`.
  void error(uint16_t status, std::string_view code, std::string_view message);

  // Closes the connection after this reply even if the client wanted to keep it.
  bool close_connection() const { return close_; }
  void set_close_connection() { close_ = true; }

 private:
  ByteBuffer& body_;
  uint16_t status_ = 200;
  uint16_t route_ = kNoRoute;
  uint16_t headers_len_ = 0;
  bool close_ = false;
  std::string_view content_type_ = kJsonContentType;
  char headers_[512];
};

std::string_view status_reason(uint16_t status);

// Frames a complete HTTP/1.1 response into `out`. `date_line` is "Date: ...\r\n".
void write_response(ByteBuffer& out, std::string_view date_line, uint16_t status,
                    std::string_view content_type, std::string_view extra_headers,
                    std::string_view body, bool close, bool http10_keep_alive);

}  // namespace ringside
