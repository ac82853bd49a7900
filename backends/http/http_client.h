#pragma once
// HTTP requests from the I/O core to the backends (Docker engines, Gameye), on the I/O core's
// own loop: libcurl's multi interface, with its sockets watched by io_uring polls (completion
// kind kBackendCompletion, or the one given) and its timeout kept on the reactor. Nothing here
// blocks; every request ends in exactly one call of its callback, on the reactor's thread, never
// from inside send() itself.
//
// A stream (stream()) is a long-lived request whose answer is handed over as it arrives
// (Docker's GET /events): no overall timeout, no body limit, ended by the server, a broken
// connection or cancel().
//
// Why libcurl: one maintained client that speaks HTTP/1.1 over unix sockets (Docker's
// default), TCP and TLS (Gameye), with connection reuse, timeouts and proxies done right.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/reactor.h"
#include "model/metrics/counter.h"

namespace ringside {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE
  std::string url;             // http://host:port/path?query (the host is ignored over a socket)
  std::string unix_socket;     // non-empty: connect to this socket path instead of the host
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  uint32_t timeout_ms = 10'000;  // the whole exchange, connect included
  // Answers larger than this are cut off as errors: a backend (or a game's save directory)
  // must not be able to fill the I/O core's memory.
  size_t max_body_bytes = 64 << 20;
  // The answer's body is not wanted (a webhook receiver's): it is read and dropped as it
  // arrives, never buffered and never cut off, so an answer of any size keeps its status (the
  // response's body stays empty; max_body_bytes does not apply). Not for stream().
  bool discard_body = false;
};

struct HttpResponse {
  // 0 when no HTTP answer came (connect failure, timeout, cancel): see `error`.
  long status = 0;
  std::string body;
  std::string content_type;
  std::string error;  // empty on an HTTP answer; else what went wrong, without secrets
  bool timed_out = false;
  bool too_large = false;  // cut off at the request's max_body_bytes (status 0)
};

class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse&& response)>;
  using RequestId = uint64_t;

  struct StreamCallbacks {
    // A 2xx status line and its headers came: the stream is open.
    std::function<void()> on_open;
    // A piece of a 2xx answer's body, as it arrived (any size, not split at lines).
    std::function<void(std::string_view data)> on_data;
    // Once, when the stream is over: the server ended it (status set; the body is empty for a
    // 2xx, else the error answer, up to max_body_bytes), or it never opened or broke
    // (status 0, see `error`). Never after cancel().
    Callback on_end;
  };

  // Registers the handler of completion `kind` (one client per kind: the backends'
  // kBackendCompletion, the webhook sender's kWebhookCompletion) and a batch-end hook on
  // `reactor`; construct on its thread. Destroy it on that thread, between runs of the loop or
  // after the last, never from inside a callback; it removes its hook. Requests still in flight are
  // abandoned without callbacks.
  explicit HttpClient(Reactor& reactor, CompletionKind kind = kBackendCompletion);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts a request; `done` runs once, later, with its outcome.
  RequestId send(HttpRequest request, Callback done);
  // Starts a stream: `request.timeout_ms` bounds the connect only, max_body_bytes only an
  // answer that is not a 2xx. Its callbacks run later, never from inside stream() or a curl
  // callback, so each may cancel (its own stream included) or send requests.
  RequestId stream(HttpRequest request, StreamCallbacks callbacks);
  // Abandons a request or a stream: none of its callbacks runs any more. Unknown or finished
  // ids are ignored.
  void cancel(RequestId id);
  size_t in_flight() const;
  // Counts every request and stream that ends with a callback from now on: in `error` when no
  // HTTP answer came or it was a 5xx, else in `ok` (cancelled ones are not counted). The
  // counters must outlive the client.
  void count_calls(Counter& ok, Counter& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringside
