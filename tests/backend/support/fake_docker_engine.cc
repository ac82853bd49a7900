#include "backend/support/fake_docker_engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace ringside {
namespace {

bool send_all(int fd, const std::string& s) {
  for (size_t sent = 0; sent < s.size();) {
    const ssize_t n = send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

size_t content_length(std::string head) {
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = head.find("\r\ncontent-length:");
  return at == std::string::npos ? 0 : std::strtoul(head.c_str() + at + 17, nullptr, 10);
}

std::string chunk(const std::string& data) {
  char length[32];
  std::snprintf(length, sizeof length, "%zx\r\n", data.size());
  return length + data + "\r\n";
}

bool starts(const FakeDockerEngine::Call& c, std::string_view method, std::string_view prefix) {
  return c.method == method && c.target.starts_with(prefix);
}

bool ends(const FakeDockerEngine::Call& c, std::string_view method, std::string_view suffix) {
  const std::string_view path = std::string_view(c.target).substr(0, c.target.find('?'));
  return c.method == method && path.ends_with(suffix);
}

}  // namespace

FakeDockerEngine::Reply FakeDockerEngine::healthy(const Call& c) {
  using Body = Reply::Body;
  if (starts(c, "GET", "/_ping")) return {200, "OK"};
  if (starts(c, "GET", "/info")) return {200, R"({"NCPU":2,"MemTotal":2147483648})"};
  if (starts(c, "GET", "/images/json")) return {200, "[]"};
  if (starts(c, "POST", "/images/create")) return {200, "{\"status\":\"Downloaded\"}\n"};
  if (starts(c, "GET", "/containers/json")) return {200, "[]"};
  if (starts(c, "GET", "/events")) return {200, "", Body::kStreamHeld};
  if (starts(c, "POST", "/containers/create?name=")) {
    const size_t at = c.target.find("name=") + 5;
    return {201, "{\"Id\":\"" + c.target.substr(at, c.target.find('&', at) - at) + "\"}"};
  }
  if (ends(c, "POST", "/start") || ends(c, "POST", "/stop")) return {204, ""};
  if (ends(c, "GET", "/json")) return {200, R"({"State":{"Running":true}})"};
  if (ends(c, "GET", "/stats")) {
    return {200, R"({"cpu_stats":{"cpu_usage":{"total_usage":500000000}},)"
                 R"("memory_stats":{"max_usage":1048576}})"};
  }
  if (starts(c, "DELETE", "/containers/")) return {204, ""};
  return {404, R"({"message":"not scripted"})"};
}

FakeDockerEngine::FakeDockerEngine(Handler handler) : handler_(std::move(handler)) {
  static std::atomic<int> serial{0};
  path_ = (std::filesystem::temp_directory_path() /
           ("ringside-fake-docker-" + std::to_string(getpid()) + "-" +
            std::to_string(serial.fetch_add(1)) + ".sock"))
              .string();
  std::filesystem::remove(path_);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0) {
    ADD_FAILURE() << "cannot listen on " << path_ << ": " << std::strerror(errno);
  }
  if (pipe2(wake_, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2 failed";
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeDockerEngine::~FakeDockerEngine() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // Unblocks the connections' reads; each closes its own descriptor.
    for (int fd : connections_) shutdown(fd, SHUT_RDWR);
  }
  stopping_cv_.notify_all();
  (void)!write(wake_[1], "x", 1);
  acceptor_.join();
  for (std::thread& t : threads_) t.join();
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
  std::filesystem::remove(path_);
}

std::vector<FakeDockerEngine::Call> FakeDockerEngine::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

size_t FakeDockerEngine::count(std::string_view method, std::string_view prefix) const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count_if(
      calls_.begin(), calls_.end(), [&](const Call& c) { return starts(c, method, prefix); }));
}

void FakeDockerEngine::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 || fds[1].revents != 0) return;
    const int conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    std::lock_guard lock(mu_);
    if (stopping_) {
      close(conn);
      return;
    }
    connections_.push_back(conn);
    threads_.emplace_back([this, conn] {
      serve(conn);
      std::lock_guard inner(mu_);
      std::erase(connections_, conn);
      close(conn);
    });
  }
}

void FakeDockerEngine::serve(int conn) {
  std::string in;
  char buf[65536];
  const auto fill = [&] {
    const ssize_t n = read(conn, buf, sizeof buf);
    if (n > 0) in.append(buf, static_cast<size_t>(n));
    return n > 0;
  };
  for (;;) {  // keep-alive: one request after another
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return;
    }
    const std::string head = in.substr(0, head_end);
    const size_t length = content_length(head);
    while (in.size() < head_end + 4 + length) {
      if (!fill()) return;
    }
    Call call;
    const size_t space = head.find(' ');
    call.method = head.substr(0, space);
    std::string target = head.substr(space + 1, head.find(' ', space + 1) - space - 1);
    call.target = target.substr(std::min(target.find('/', 1), target.size()));  // past /v1.41
    call.body = in.substr(head_end + 4, length);
    in.erase(0, head_end + 4 + length);
    {
      std::lock_guard lock(mu_);
      calls_.push_back(call);
    }
    const Reply reply = handler_(call);
    if (reply.delay_ms != 0 && !wait_ms(reply.delay_ms)) return;
    const std::string status_line = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n";
    if (reply.kind == Reply::Body::kWhole) {
      if (!send_all(conn, status_line + "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body)) {
        return;
      }
      continue;
    }
    std::string answer =
        status_line + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (!reply.body.empty()) answer += chunk(reply.body);
    if (reply.kind == Reply::Body::kStreamEnded) {
      send_all(conn, answer + "0\r\n\r\n");
      return;
    }
    if (!send_all(conn, answer)) return;
    while (fill()) in.clear();  // held until the client leaves (or the engine goes)
    return;
  }
}

bool FakeDockerEngine::wait_ms(uint32_t ms) {
  std::unique_lock lock(mu_);
  return !stopping_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

}  // namespace ringside
