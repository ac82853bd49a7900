#include "integration/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "integration/answer_recorder.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSendTimeoutMs = 5000;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_header(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return iequals(h.first, name); });
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

enum class Parse { kComplete, kNeedMore, kInvalid };

struct ParseOutcome {
  Parse state = Parse::kNeedMore;
  size_t consumed = 0;
  std::string error;
};

// Decodes a chunked body that starts at data[pos]; on success sets consumed to its end.
ParseOutcome parse_chunked(std::string_view data, size_t pos, std::string& body) {
  for (;;) {
    size_t line_end = data.find("\r\n", pos);
    if (line_end == std::string_view::npos) return {};
    std::string_view size_text = data.substr(pos, line_end - pos);
    size_text = trim(size_text.substr(0, size_text.find(';')));
    size_t size = 0;
    auto [ptr, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || ptr != size_text.data() + size_text.size() || size_text.empty()) {
      return {Parse::kInvalid, 0, "bad chunk size '" + std::string(size_text) + "'"};
    }
    pos = line_end + 2;
    if (size == 0) {
      // Trailers end with an empty line; without trailers that is the very next line.
      if (data.substr(pos, 2) == "\r\n") return {Parse::kComplete, pos + 2, {}};
      size_t trailers_end = data.find("\r\n\r\n", pos);
      if (trailers_end == std::string_view::npos) return {};
      return {Parse::kComplete, trailers_end + 4, {}};
    }
    if (data.size() < pos + size + 2) return {};
    body.append(data.substr(pos, size));
    if (data.substr(pos + size, 2) != "\r\n") return {Parse::kInvalid, 0, "chunk without CRLF"};
    pos += size + 2;
  }
}

ParseOutcome parse_response(std::string_view data, bool at_eof, HttpResponse& response) {
  size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return {};
  std::string_view head = data.substr(0, head_end);

  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12 || status_line[8] != ' ') {
    return {Parse::kInvalid, 0, "not a status line: '" + std::string(status_line) + "'"};
  }
  response = HttpResponse{};
  response.version = std::string(status_line.substr(0, 8));
  auto [ptr, ec] =
      std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status);
  if (ec != std::errc() || ptr != status_line.data() + 12) {
    return {Parse::kInvalid, 0, "bad status code in '" + std::string(status_line) + "'"};
  }
  if (status_line.size() > 13) response.reason = std::string(status_line.substr(13));

  while (line_end != std::string_view::npos) {
    size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string_view line = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return {Parse::kInvalid, 0, "bad header line '" + std::string(line) + "'"};
    }
    response.headers.emplace_back(std::string(line.substr(0, colon)),
                                  std::string(trim(line.substr(colon + 1))));
  }

  size_t body_start = head_end + 4;
  if (response.status / 100 == 1 || response.status == 204 || response.status == 304) {
    return {Parse::kComplete, body_start, {}};
  }
  if (icontains(response.header("Transfer-Encoding"), "chunked")) {
    return parse_chunked(data, body_start, response.body);
  }
  if (response.has_header("Content-Length")) {
    std::string length_text = response.header("Content-Length");
    size_t length = 0;
    auto [end, err] =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (err != std::errc() || end != length_text.data() + length_text.size()) {
      return {Parse::kInvalid, 0, "bad Content-Length '" + length_text + "'"};
    }
    if (data.size() < body_start + length) return {};
    response.body = std::string(data.substr(body_start, length));
    return {Parse::kComplete, body_start + length, {}};
  }
  // No length: the body runs until the server closes the connection.
  if (!at_eof) return {};
  response.body = std::string(data.substr(body_start));
  return {Parse::kComplete, data.size(), {}};
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

bool HttpResponse::has_header(std::string_view name) const {
  return itest::has_header(headers, name);
}

std::string make_request(std::string_view method, std::string_view target, std::string_view body,
                         const HeaderList& headers, std::string_view version) {
  std::string request;
  request.append(method).append(" ").append(target).append(" ").append(version).append("\r\n");
  if (!has_header(headers, "Host")) request.append("Host: 127.0.0.1\r\n");
  for (const auto& [name, value] : headers)
    request.append(name).append(": ").append(value) += "\r\n";
  if (!has_header(headers, "Content-Length") && !has_header(headers, "Transfer-Encoding")) {
    request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  request.append("\r\n").append(body);
  return request;
}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  peer_closed_ = false;
  buffer_.clear();
}

bool HttpClient::connect(uint16_t port, int timeout_ms, int receive_buffer_bytes) {
  close();
  port_ = port;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    last_errno_ = errno;
    error_ = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (receive_buffer_bytes > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int err = 0;
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, timeout_ms) == 1) {
        socklen_t len = sizeof err;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      } else {
        err = ETIMEDOUT;
      }
    }
  }
  if (err != 0) {
    last_errno_ = err;
    error_ = "connect to port " + std::to_string(port) + ": " + std::strerror(err);
    close();
    return false;
  }
  return true;
}

bool HttpClient::send_raw(std::string_view bytes) {
  auto deadline = Clock::now() + std::chrono::milliseconds(kSendTimeoutMs);
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) == 1) continue;
      last_errno_ = ETIMEDOUT;
      error_ = "send timed out with " + std::to_string(bytes.size()) + " bytes left";
      return false;
    }
    last_errno_ = errno;
    error_ = std::string("send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

HttpClient::Fill HttpClient::fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, timeout_ms);
  if (ready < 0 && errno != EINTR) {
    error_ = std::string("poll: ") + std::strerror(errno);
    return Fill::kFailed;
  }
  if (ready <= 0) return Fill::kTimedOut;
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n > 0) {
    buffer_.append(chunk, static_cast<size_t>(n));
  } else if (n == 0 || errno == ECONNRESET) {
    peer_closed_ = true;
  } else if (errno != EAGAIN && errno != EINTR) {
    error_ = std::string("recv: ") + std::strerror(errno);
    return Fill::kFailed;
  }
  return Fill::kProgress;
}

std::optional<HttpResponse> HttpClient::read_response(int timeout_ms) {
  if (fd_ < 0) {
    error_ = "not connected";
    return std::nullopt;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    HttpResponse response;
    ParseOutcome outcome = parse_response(buffer_, peer_closed_, response);
    if (outcome.state == Parse::kComplete) {
      buffer_.erase(0, outcome.consumed);
      return response;
    }
    if (outcome.state == Parse::kInvalid) {
      error_ = "invalid response: " + outcome.error;
      return std::nullopt;
    }
    if (peer_closed_) {
      error_ = "connection closed by the server after " + std::to_string(buffer_.size()) +
               " bytes of an incomplete response: '" + buffer_ + "'";
      return std::nullopt;
    }
    Fill filled = fill(remaining_ms(deadline));
    if (filled == Fill::kFailed) return std::nullopt;
    if (filled == Fill::kTimedOut && Clock::now() >= deadline) {
      error_ = "no complete response within " + std::to_string(timeout_ms) + " ms; got '" +
               buffer_ + "'";
      return std::nullopt;
    }
  }
}

bool HttpClient::closed_by_peer(int timeout_ms) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!peer_closed_) {
    Fill filled = fill(remaining_ms(deadline));
    if (filled == Fill::kFailed) break;
    if (filled == Fill::kTimedOut && Clock::now() >= deadline) break;
  }
  return peer_closed_;
}

std::optional<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                                std::string_view body, const HeaderList& headers,
                                                int timeout_ms) {
  if (!send_raw(make_request(method, target, body, headers))) return std::nullopt;
  std::optional<HttpResponse> response = read_response(timeout_ms);
  if (response) record_answer(method, target, *response);
  return response;
}

}  // namespace ringside::itest
