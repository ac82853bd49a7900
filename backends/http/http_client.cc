#include "backends/http/http_client.h"

#include <curl/curl.h>
#include <poll.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/clock.h"
#include "core/log.h"

namespace ringside {
namespace {

// user_data index of the curl timer; every other index is a socket slot.
constexpr uint32_t kTimerIndex = 0xFFFFFFFFu;
// Rounds of "curl wants to act now" handled at one batch end before the loop turns again.
constexpr int kImmediateRounds = 8;

// Generations come from one counter for the whole process, so completions left behind by a
// client that is gone never match a slot of the next client on the same reactor.
std::atomic<uint32_t> g_generation{1};
uint32_t next_generation() { return g_generation.fetch_add(1) & 0xFFFFFFu; }

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

// Fresh rather than the reactor's per-iteration clock: curl's timer may be set from outside
// the loop (send() before run()), and a stale "now" would make us wake too early, often.
uint64_t now_ms() { return read_clock().mono_ms; }

unsigned poll_events(int what) {
  unsigned events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= POLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= POLLOUT;
  return events;
}

}  // namespace

struct HttpClient::Impl {
  struct Request {
    Impl* impl = nullptr;
    RequestId id = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    HttpRequest request;  // owns the body curl sends from
    HttpResponse response;
    Callback done;  // a stream's on_end
    char error[CURL_ERROR_SIZE] = {};
    // Streams only. What curl handed over is kept here until curl's call returns (curl's
    // functions must not be called from its callbacks, and ours may call them).
    StreamCallbacks stream;
    bool body_streams = false;  // a 2xx came: the body goes to on_data
    bool open_pending = false;
    bool queued = false;  // in to_deliver
    std::string pending;
  };
  // One socket curl asked us to watch.
  struct Slot {
    curl_socket_t fd = -1;
    unsigned events = 0;        // what curl wants now (POLLIN/POLLOUT)
    unsigned armed_events = 0;  // what the armed poll waits for; 0 when none is armed
    uint32_t generation = 0;
    bool in_use = false;
  };

  Impl(Reactor& r, CompletionKind k);
  ~Impl();

  // A request set up from `request`, not yet handed to curl.
  std::unique_ptr<Request> prepare(HttpRequest request);
  RequestId submit(std::unique_ptr<Request> owned);
  RequestId send(HttpRequest request, Callback done);
  RequestId stream(HttpRequest request, StreamCallbacks callbacks);
  void cancel(RequestId id);

  Counter* calls_ok = nullptr;
  Counter* calls_error = nullptr;

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* userp, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* userp);
  static size_t on_body(char* data, size_t size, size_t count, void* userp);
  static size_t on_header(char* data, size_t size, size_t count, void* userp);
  static void on_completion(void* ctx, const io_uring_cqe& cqe);
  static void on_batch_end(void* ctx);

  uint32_t take_slot(curl_socket_t fd);
  void release_slot(uint32_t index);
  void cancel_poll(Slot& slot, uint32_t index);
  void arm_polls();
  void arm_timer();
  void act_on_timeouts();
  void socket_action(curl_socket_t fd, int mask);
  void queue_delivery(Request& r);
  // Hands what streams received to their callbacks.
  void deliver_streams();
  // Runs one of stream `id`'s callbacks moved out of its request: the callback may cancel its
  // own stream, which destroys the request (and would destroy the callback while it runs).
  // Puts it back afterwards; returns whether the stream is still there.
  template <typename Fn, typename... Args>
  bool run_stream_callback(RequestId id, Fn StreamCallbacks::*which, Args&&... args);
  // Hands every finished transfer to its callback.
  void finish_done();
  void release(Request& r);

  Reactor& reactor;
  CompletionKind kind;
  CURLM* multi = nullptr;
  std::unordered_map<RequestId, std::unique_ptr<Request>> requests;
  RequestId next_id = 1;

  std::vector<Slot> slots;
  std::vector<uint32_t> free_slots;
  std::vector<uint32_t> to_arm;       // slots whose poll may need arming at the batch end
  std::vector<RequestId> to_deliver;  // streams that received something during curl's call

  // curl's timer: when curl wants to be called next (reactor ms), and the IORING_OP_TIMEOUT
  // armed for it. One timeout in flight; a nearer deadline replaces it, a later one waits.
  std::optional<uint64_t> due_ms;
  uint64_t timer_calls = 0;  // how often curl set its timer (detects "left unchanged")
  bool timer_armed = false;
  uint64_t timer_until_ms = 0;
  uint32_t timer_generation = 0;
  __kernel_timespec timer_ts{};
};

HttpClient::Impl::Impl(Reactor& r, CompletionKind k) : reactor(r), kind(k) {
  init_curl_once();
  multi = curl_multi_init();
  if (!multi) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  timer_generation = next_generation();
  reactor.set_completion_handler(kind, &Impl::on_completion, this);
  reactor.add_batch_end_hook(&Impl::on_batch_end, this);
}

HttpClient::Impl::~Impl() {
  reactor.remove_batch_end_hook(&Impl::on_batch_end, this);
  for (auto& [id, r] : requests) {
    curl_multi_remove_handle(multi, r->easy);
    release(*r);
  }
  requests.clear();
  // Closes the cached connections; their sockets are reported removed (polls cancelled).
  curl_multi_cleanup(multi);
  for (uint32_t i = 0; i < slots.size(); ++i) {
    if (slots[i].in_use) cancel_poll(slots[i], i);
  }
  if (timer_armed) {
    io_uring_sqe* sqe = reactor.sqe();
    io_uring_prep_timeout_remove(sqe, pack_user_data(kind, timer_generation, kTimerIndex), 0);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
  }
  reactor.set_completion_handler(kind, nullptr, nullptr);
}

std::unique_ptr<HttpClient::Impl::Request> HttpClient::Impl::prepare(HttpRequest request) {
  auto owned = std::make_unique<Request>();
  Request& r = *owned;
  r.impl = this;
  r.id = next_id++;
  r.request = std::move(request);
  r.easy = curl_easy_init();
  if (!r.easy) throw std::runtime_error("curl_easy_init failed");
  const HttpRequest& q = r.request;
  CURL* e = r.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &r);
  curl_easy_setopt(e, CURLOPT_URL, q.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  // Removing a handle mid-lookup must not join the resolver thread (seconds on the I/O core
  // when DNS is slow): the thread is left to finish on its own.
  curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(q.timeout_ms));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r.error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
  if (!q.unix_socket.empty()) curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, q.unix_socket.c_str());
  if (q.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (q.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    if (q.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q.method.c_str());
    // A body, sent as is; an empty one for POST and PUT still says Content-Length: 0.
    if (q.method == "POST" || q.method == "PUT" || !q.body.empty()) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(q.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, q.body.data());
    }
  }
  for (const std::string& h : q.headers) r.headers = curl_slist_append(r.headers, h.c_str());
  // No "Expect: 100-continue" round trip before large bodies (tar archives).
  if (!q.body.empty()) r.headers = curl_slist_append(r.headers, "Expect:");
  if (r.headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, r.headers);
  return owned;
}

HttpClient::RequestId HttpClient::Impl::submit(std::unique_ptr<Request> owned) {
  CURL* e = owned->easy;
  RequestId id = owned->id;
  requests.emplace(id, std::move(owned));
  // curl sets a 0 ms timer here; the batch end (or the wake-up armed below) acts on it.
  curl_multi_add_handle(multi, e);
  arm_timer();
  return id;
}

HttpClient::RequestId HttpClient::Impl::send(HttpRequest request, Callback done) {
  std::unique_ptr<Request> r = prepare(std::move(request));
  r->done = std::move(done);
  return submit(std::move(r));
}

HttpClient::RequestId HttpClient::Impl::stream(HttpRequest request, StreamCallbacks callbacks) {
  std::unique_ptr<Request> r = prepare(std::move(request));
  r->done = std::move(callbacks.on_end);
  r->stream = std::move(callbacks);
  CURL* e = r->easy;
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 0L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r->request.timeout_ms));
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, r.get());
  return submit(std::move(r));
}

void HttpClient::Impl::cancel(RequestId id) {
  auto it = requests.find(id);
  if (it == requests.end()) return;
  curl_multi_remove_handle(multi, it->second->easy);
  release(*it->second);
  requests.erase(it);
}

void HttpClient::Impl::release(Request& r) {
  curl_easy_cleanup(r.easy);
  r.easy = nullptr;
  curl_slist_free_all(r.headers);
  r.headers = nullptr;
}

int HttpClient::Impl::on_socket(CURL*, curl_socket_t fd, int what, void* userp, void* socketp) {
  auto* self = static_cast<Impl*>(userp);
  if (what == CURL_POLL_REMOVE) {
    if (socketp)
      self->release_slot(static_cast<uint32_t>(reinterpret_cast<uintptr_t>(socketp) - 1));
    return 0;
  }
  uint32_t index;
  if (socketp) {
    index = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(socketp) - 1);
  } else {
    index = self->take_slot(fd);
    curl_multi_assign(self->multi, fd, reinterpret_cast<void*>(uintptr_t{index} + 1));
  }
  Slot& slot = self->slots[index];
  slot.events = poll_events(what);
  // A poll waiting for something else is replaced at the batch end.
  if (slot.armed_events != 0 && slot.armed_events != slot.events) self->cancel_poll(slot, index);
  self->to_arm.push_back(index);
  return 0;
}

int HttpClient::Impl::on_timer(CURLM*, long timeout_ms, void* userp) {
  auto* self = static_cast<Impl*>(userp);
  ++self->timer_calls;
  if (timeout_ms < 0) {
    self->due_ms.reset();
  } else {
    self->due_ms = now_ms() + static_cast<uint64_t>(timeout_ms);
  }
  return 0;
}

size_t HttpClient::Impl::on_body(char* data, size_t size, size_t count, void* userp) {
  auto* r = static_cast<Request*>(userp);
  if (r->body_streams) {
    r->pending.append(data, size * count);
    r->impl->queue_delivery(*r);
    return size * count;
  }
  if (r->request.discard_body) return size * count;  // read, not kept
  // Over the limit: a short count makes curl abort the transfer (CURLE_WRITE_ERROR).
  if (r->response.body.size() + size * count > r->request.max_body_bytes) {
    r->response.too_large = true;
    return 0;
  }
  r->response.body.append(data, size * count);
  return size * count;
}

size_t HttpClient::Impl::on_header(char* data, size_t size, size_t count, void* userp) {
  auto* r = static_cast<Request*>(userp);
  const std::string_view line(data, size * count);
  // The blank line ends a header block; a 1xx block is followed by the real one.
  if ((line == "\r\n" || line == "\n") && !r->body_streams) {
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      r->body_streams = true;
      r->open_pending = true;
      r->impl->queue_delivery(*r);
    }
  }
  return size * count;
}

uint32_t HttpClient::Impl::take_slot(curl_socket_t fd) {
  uint32_t index;
  if (!free_slots.empty()) {
    index = free_slots.back();
    free_slots.pop_back();
  } else {
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  }
  Slot& slot = slots[index];
  slot.fd = fd;
  slot.events = 0;
  slot.armed_events = 0;
  slot.generation = next_generation();
  slot.in_use = true;
  return index;
}

void HttpClient::Impl::release_slot(uint32_t index) {
  Slot& slot = slots[index];
  cancel_poll(slot, index);
  slot.in_use = false;
  slot.fd = -1;
  free_slots.push_back(index);
}

void HttpClient::Impl::cancel_poll(Slot& slot, uint32_t index) {
  if (slot.armed_events != 0) {
    io_uring_sqe* sqe = reactor.sqe();
    io_uring_prep_cancel64(sqe, pack_user_data(kind, slot.generation, index), 0);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
    slot.armed_events = 0;
  }
  // Whatever the cancelled poll still reports is stale from here on.
  slot.generation = next_generation();
}

// Polls are armed only here, at the end of the iteration: nothing runs between this and the
// submission, so curl cannot close a socket after its poll was prepared but before the
// kernel resolved the descriptor.
void HttpClient::Impl::arm_polls() {
  for (uint32_t index : to_arm) {
    Slot& slot = slots[index];
    if (!slot.in_use || slot.armed_events != 0 || slot.events == 0) continue;
    io_uring_sqe* sqe = reactor.sqe();
    io_uring_prep_poll_add(sqe, slot.fd, slot.events);
    io_uring_sqe_set_data64(sqe, pack_user_data(kind, slot.generation, index));
    slot.armed_events = slot.events;
  }
  to_arm.clear();
}

void HttpClient::Impl::arm_timer() {
  if (!due_ms) return;
  if (timer_armed && timer_until_ms <= *due_ms) return;  // it fires first; we look again then
  if (timer_armed) {
    io_uring_sqe* sqe = reactor.sqe();
    io_uring_prep_timeout_remove(sqe, pack_user_data(kind, timer_generation, kTimerIndex), 0);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
    timer_generation = next_generation();
  }
  uint64_t now = now_ms();
  uint64_t wait_ms = *due_ms > now ? *due_ms - now : 0;
  timer_ts.tv_sec = static_cast<int64_t>(wait_ms / 1000);
  timer_ts.tv_nsec = static_cast<long long>((wait_ms % 1000) * 1'000'000);
  io_uring_sqe* sqe = reactor.sqe();
  io_uring_prep_timeout(sqe, &timer_ts, 0, 0);
  io_uring_sqe_set_data64(sqe, pack_user_data(kind, timer_generation, kTimerIndex));
  timer_armed = true;
  timer_until_ms = *due_ms;
}

void HttpClient::Impl::act_on_timeouts() {
  for (int round = 0; round < kImmediateRounds; ++round) {
    if (!due_ms || *due_ms > now_ms()) return;
    uint64_t calls = timer_calls;
    socket_action(CURL_SOCKET_TIMEOUT, 0);
    // curl left its timer alone: what it waits for is due within the millisecond.
    if (timer_calls == calls && due_ms) due_ms = now_ms() + 1;
  }
}

void HttpClient::Impl::socket_action(curl_socket_t fd, int mask) {
  int running = 0;
  curl_multi_socket_action(multi, fd, mask, &running);
  deliver_streams();
  finish_done();
}

void HttpClient::Impl::queue_delivery(Request& r) {
  if (r.queued) return;
  r.queued = true;
  to_deliver.push_back(r.id);
}

template <typename Fn, typename... Args>
bool HttpClient::Impl::run_stream_callback(RequestId id, Fn StreamCallbacks::*which,
                                           Args&&... args) {
  Fn callback = std::move(requests.at(id)->stream.*which);
  if (callback) callback(std::forward<Args>(args)...);
  const auto it = requests.find(id);
  if (it == requests.end()) return false;
  it->second->stream.*which = std::move(callback);
  return true;
}

void HttpClient::Impl::deliver_streams() {
  std::vector<RequestId> ids;
  ids.swap(to_deliver);
  // Looked up one by one: a callback may cancel any stream, its own included.
  for (RequestId id : ids) {
    auto it = requests.find(id);
    if (it == requests.end()) continue;
    Request& r = *it->second;  // stays put while the stream exists
    r.queued = false;
    if (std::exchange(r.open_pending, false) &&
        !run_stream_callback(id, &StreamCallbacks::on_open)) {
      continue;
    }
    std::string data;
    data.swap(r.pending);
    if (!data.empty()) run_stream_callback(id, &StreamCallbacks::on_data, std::string_view(data));
  }
}

void HttpClient::Impl::finish_done() {
  std::vector<std::pair<RequestId, CURLcode>> finished;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Request* r = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
    finished.emplace_back(r->id, msg->data.result);
  }
  // One at a time: a callback may cancel or send requests, these included.
  for (auto [id, result] : finished) {
    auto it = requests.find(id);
    if (it == requests.end()) continue;
    std::unique_ptr<Request> r = std::move(it->second);
    requests.erase(it);
    HttpResponse& response = r->response;
    if (result == CURLE_OK) {
      curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &response.status);
      const char* type = nullptr;
      curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &type);
      if (type) response.content_type = type;
    } else {
      // A partial answer is no answer.
      response.status = 0;
      response.body.clear();
      response.timed_out = result == CURLE_OPERATION_TIMEDOUT;
      response.error = r->error[0] ? r->error : curl_easy_strerror(result);
      log_debug("http_request_failed")
          .kv("method", r->request.method)
          .kv("curl_code", static_cast<int>(result))
          .kv("error", response.error);
    }
    curl_multi_remove_handle(multi, r->easy);
    release(*r);
    if (calls_ok) (response.status == 0 || response.status >= 500 ? calls_error : calls_ok)->add();
    r->done(std::move(response));
  }
}

void HttpClient::Impl::on_completion(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<Impl*>(ctx);
  uint32_t index = user_data_index(cqe.user_data);
  uint32_t generation = user_data_generation(cqe.user_data);
  if (index == kTimerIndex) {
    if (generation != self->timer_generation) return;
    self->timer_armed = false;
    self->act_on_timeouts();
    return;
  }
  if (index >= self->slots.size()) return;
  Slot& slot = self->slots[index];
  if (!slot.in_use || slot.generation != generation) return;
  slot.armed_events = 0;
  self->to_arm.push_back(index);
  int mask = 0;
  if (cqe.res < 0) {
    mask = CURL_CSELECT_ERR;
  } else {
    if (cqe.res & (POLLIN | POLLHUP)) mask |= CURL_CSELECT_IN;
    if (cqe.res & POLLOUT) mask |= CURL_CSELECT_OUT;
    if (cqe.res & (POLLERR | POLLNVAL)) mask |= CURL_CSELECT_ERR;
  }
  self->socket_action(slot.fd, mask);
}

void HttpClient::Impl::on_batch_end(void* ctx) {
  auto* self = static_cast<Impl*>(ctx);
  self->act_on_timeouts();
  self->arm_polls();
  self->arm_timer();
}

HttpClient::HttpClient(Reactor& reactor, CompletionKind kind)
    : impl_(std::make_unique<Impl>(reactor, kind)) {}
HttpClient::~HttpClient() = default;

HttpClient::RequestId HttpClient::send(HttpRequest request, Callback done) {
  return impl_->send(std::move(request), std::move(done));
}

HttpClient::RequestId HttpClient::stream(HttpRequest request, StreamCallbacks callbacks) {
  return impl_->stream(std::move(request), std::move(callbacks));
}

void HttpClient::cancel(RequestId id) { impl_->cancel(id); }

size_t HttpClient::in_flight() const { return impl_->requests.size(); }

void HttpClient::count_calls(Counter& ok, Counter& error) {
  impl_->calls_ok = &ok;
  impl_->calls_error = &error;
}

}  // namespace ringside
