#pragma once
// A small blocking HTTP/1.1 test client over a raw loopback TCP socket. It sends exactly the
// bytes a test gives it (well-formed or not) and parses what comes back, keeping any bytes
// past one response for the next read, so pipelined answers can be read one by one.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringside::itest {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::string body;  // chunked bodies are decoded

  // The first header of that name (case-insensitive), or "" when there is none.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

// A request with a Host header and a Content-Length (unless headers already carry a
// Content-Length or Transfer-Encoding), for tests that send several in one write.
std::string make_request(std::string_view method, std::string_view target,
                         std::string_view body = {}, const HeaderList& headers = {},
                         std::string_view version = "HTTP/1.1");

class HttpClient {
 public:
  HttpClient() = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Connects to 127.0.0.1:port. A receive_buffer_bytes > 0 sets SO_RCVBUF before connecting.
  bool connect(uint16_t port, int timeout_ms = 2000, int receive_buffer_bytes = 0);
  // Writes all of bytes (blocking, at most a few seconds); false when the peer is gone.
  bool send_raw(std::string_view bytes);
  // The next complete response, or nullopt on timeout, a closed connection or bytes that are
  // not an HTTP response (see error()).
  std::optional<HttpResponse> read_response(int timeout_ms = 5000);
  // True once the server closed the connection (a read returns 0 or ECONNRESET) within
  // timeout_ms. Bytes that arrive meanwhile are kept for read_response() and unread().
  bool closed_by_peer(int timeout_ms);
  // make_request() sent, then read_response().
  std::optional<HttpResponse> request(std::string_view method, std::string_view target,
                                      std::string_view body = {}, const HeaderList& headers = {},
                                      int timeout_ms = 5000);

  // Bytes received but not yet returned as part of a response.
  std::string_view unread() const { return buffer_; }
  // What went wrong in the last failed call.
  const std::string& error() const { return error_; }
  // errno of the last failed connect() or send_raw().
  int last_errno() const { return last_errno_; }
  int fd() const { return fd_; }
  void close();

 private:
  enum class Fill { kProgress, kTimedOut, kFailed };
  // Reads what arrives within timeout_ms into buffer_, or notes that the peer closed.
  Fill fill(int timeout_ms);

  int fd_ = -1;
  uint16_t port_ = 0;
  bool peer_closed_ = false;
  int last_errno_ = 0;
  std::string buffer_;
  std::string error_;
};

}  // namespace ringside::itest
