#include "http/reply.h"

#include <charconv>

#include "core/json_writer.h"

namespace ringside {

void Reply::add_header(std::string_view name, std::string_view value) {
  const size_t need = name.size() + 2 + value.size() + 2;
  if (headers_len_ + need > sizeof headers_) return;  // only short, known headers are added
  char* p = headers_ + headers_len_;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p++ = '\n';
  headers_len_ = static_cast<uint16_t>(headers_len_ + need);
}

void Reply::add_rendered_headers(std::string_view lines) {
  if (headers_len_ + lines.size() > sizeof headers_) return;
  std::memcpy(headers_ + headers_len_, lines.data(), lines.size());
  headers_len_ = static_cast<uint16_t>(headers_len_ + lines.size());
}

void Reply::error(uint16_t status, std::string_view code, std::string_view message) {
  status_ = status;
  content_type_ = kJsonContentType;
  body_.clear();
  JsonWriter w(body_);
  w.begin_object().key("error").value(code).key("message").value(message).end_object();
}

std::string_view status_reason(uint16_t status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

void write_response(ByteBuffer& out, std::string_view date_line, uint16_t status,
                    std::string_view content_type, std::string_view extra_headers,
                    std::string_view body, bool close, bool http10_keep_alive) {
  std::string_view reason = status_reason(status);
  char* p = out.prepare(256 + reason.size() + content_type.size() + extra_headers.size() +
                        date_line.size() + body.size());
  char* const start = p;
  auto put = [&p](std::string_view s) {
    if (s.empty()) return;  // an empty view may hold a null data(), which memcpy must not get
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put("HTTP/1.1 ");
  p = std::to_chars(p, p + 3, status).ptr;
  *p++ = ' ';
  put(reason);
  put("\r\n");
  put(date_line);
  put("Content-Type: ");
  put(content_type);
  put("\r\n");
  // RFC 9110 8.6: a 204 carries no Content-Length, nor does a 304 here (it could only repeat
  // the length of the body it stands for).
  if (status != 204 && status != 304) {
    put("Content-Length: ");
    p = std::to_chars(p, p + 20, body.size()).ptr;
    put("\r\n");
  }
  if (close) {
    put("Connection: close\r\n");
  } else if (http10_keep_alive) {
    put("Connection: keep-alive\r\n");
  }
  put(extra_headers);
  put("\r\n");
  put(body);
  out.commit(static_cast<size_t>(p - start));
}

}  // namespace ringside
