#include "backends/docker/docker_attach.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/user_data.h"

namespace ringside {
namespace {

constexpr size_t kMaxLine = 4096;           // a longer stdout line is dropped, not buffered
constexpr size_t kMaxUpgradeAnswer = 8192;  // the 101's status line and headers
constexpr uint8_t kOpened = 0, kLine = 1, kEnded = 2;

// "http://host:port/v1.41" -> host, port and "/v1.41"; false when it is not that shape.
bool split_base_url(std::string_view url, std::string* host, uint16_t* port, std::string* path) {
  if (!url.starts_with("http://")) return false;
  url.remove_prefix(7);
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  *path = slash == std::string_view::npos ? std::string() : std::string(url.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return false;
  unsigned value = 0;
  for (char c : authority.substr(colon + 1)) {
    if (c < '0' || c > '9' || (value = value * 10 + unsigned(c - '0')) > 65535) return false;
  }
  *port = static_cast<uint16_t>(value);
  std::string_view h = authority.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  *host = h == "localhost" ? "127.0.0.1" : std::string(h);
  return true;
}

// A non-blocking socket connecting to the engine; -errno on failure. EINPROGRESS is success.
int connect_engine(const docker_api::Endpoint& e, std::string* path) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_UNIX;
  if (!e.unix_socket.empty()) {
    auto* un = reinterpret_cast<sockaddr_un*>(&addr);
    if (e.unix_socket.size() >= sizeof(un->sun_path)) return -ENAMETOOLONG;
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, e.unix_socket.data(), e.unix_socket.size());
    len = sizeof(sockaddr_un);
    const std::string_view base = e.base_url;  // "http://docker/v1.41"
    const size_t slash = base.find('/', 7);
    *path = slash == std::string_view::npos ? std::string() : std::string(base.substr(slash));
  } else {
    std::string host;
    uint16_t port = 0;
    if (!split_base_url(e.base_url, &host, &port, path)) return -EINVAL;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      family = v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      family = v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      len = sizeof(sockaddr_in6);
    } else {
      return -EAFNOSUPPORT;  // a host name would need a blocking lookup on the loop
    }
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS &&
      errno != EAGAIN) {
    const int error = errno;
    ::close(fd);
    return -error;
  }
  return fd;
}

}  // namespace

DockerAttach::DockerAttach(Reactor& reactor, CompletionKind kind) : reactor_(reactor), kind_(kind) {
  reactor_.set_completion_handler(kind_, &DockerAttach::on_completion, this);
  reactor_.add_batch_end_hook(&DockerAttach::on_batch_end, this);
}

DockerAttach::~DockerAttach() {
  while (!streams_.empty()) close(streams_.begin()->second.id);
  reactor_.remove_batch_end_hook(&DockerAttach::on_batch_end, this);
}

DockerAttach::StreamId DockerAttach::open(const docker_api::Endpoint& endpoint,
                                          std::string_view container, Callbacks callbacks) {
  const StreamId id = next_id_++;
  Stream& s = streams_[static_cast<uint32_t>(id)];
  s.id = id;
  s.generation = static_cast<uint32_t>(id >> 32);
  s.callbacks = std::move(callbacks);
  std::string path;
  const int fd = connect_engine(endpoint, &path);
  if (fd < 0) {
    end(s, std::string("connect: ") + std::strerror(-fd));
    return id;
  }
  s.fd = fd;
  s.out = "POST " + path + "/containers/" + docker_api::url_encode(container) +
          "/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\n"
          "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  to_arm_.push_back(static_cast<uint32_t>(id));
  return id;
}

bool DockerAttach::write(StreamId id, std::string_view data) {
  const auto it = streams_.find(static_cast<uint32_t>(id));
  if (it == streams_.end() || it->second.id != id || it->second.fd < 0) return false;
  it->second.out.append(data);
  to_arm_.push_back(static_cast<uint32_t>(id));
  return true;
}

void DockerAttach::close(StreamId id) {
  const auto it = streams_.find(static_cast<uint32_t>(id));
  if (it == streams_.end() || it->second.id != id) return;
  Stream& s = it->second;
  disarm(s);
  if (s.fd >= 0) ::close(s.fd);  // the cancelled poll holds its own reference to the file
  streams_.erase(it);
}

void DockerAttach::end(Stream& s, std::string error) {
  disarm(s);
  if (s.fd >= 0) ::close(s.fd);
  s.fd = -1;
  deliveries_.push_back({s.id, kEnded, std::move(error)});
}

void DockerAttach::disarm(Stream& s) {
  if (s.armed == 0) return;
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_cancel64(sqe, pack_user_data(kind_, s.generation, static_cast<uint32_t>(s.id)), 0);
  io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
  s.armed = 0;
}

void DockerAttach::arm(Stream& s) {
  if (s.fd < 0) return;
  unsigned events = POLLIN;
  if (s.state == State::kConnecting || s.out_at < s.out.size()) events |= POLLOUT;
  if (s.armed == events) return;
  disarm(s);
  // A fresh generation: what the cancelled poll still reports is stale.
  s.generation = (s.generation + 1) & 0xFFFFFFu;
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_poll_add(sqe, s.fd, events);
  io_uring_sqe_set_data64(sqe, pack_user_data(kind_, s.generation, static_cast<uint32_t>(s.id)));
  s.armed = events;
}

void DockerAttach::on_ready(Stream& s, unsigned events) {
  if (s.state == State::kConnecting) {
    int error = 0;
    socklen_t len = sizeof(error);
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
    if (error != 0) return end(s, std::string("connect: ") + std::strerror(error));
    if ((events & (POLLOUT | POLLERR | POLLHUP)) == 0) return;
    s.state = State::kUpgrading;
  }
  if (!send_out(s)) return;
  if ((events & (POLLIN | POLLHUP | POLLERR)) != 0 && !receive(s)) return;
}

bool DockerAttach::send_out(Stream& s) {
  while (s.out_at < s.out.size()) {
    const ssize_t n = ::send(s.fd, s.out.data() + s.out_at, s.out.size() - s.out_at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      end(s, std::string("send: ") + std::strerror(errno));
      return false;
    }
    s.out_at += static_cast<size_t>(n);
  }
  s.out.clear();
  s.out_at = 0;
  return true;
}

bool DockerAttach::receive(Stream& s) {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(s.fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      end(s, n == 0 ? "ended" : std::string("recv: ") + std::strerror(errno));
      return false;
    }
    s.in.append(buf, static_cast<size_t>(n));
    if (!parse(s)) return false;
  }
}

bool DockerAttach::parse(Stream& s) {
  if (s.state == State::kUpgrading) {
    const size_t head_end = s.in.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      if (s.in.size() <= kMaxUpgradeAnswer) return true;
      end(s, "upgrade answer too long");
      return false;
    }
    const std::string_view status_line = std::string_view(s.in).substr(0, s.in.find("\r\n"));
    if (!status_line.starts_with("HTTP/1.1 101") && !status_line.starts_with("HTTP/1.0 101")) {
      end(s, "attach refused: " + std::string(status_line.substr(0, 120)));
      return false;
    }
    s.in.erase(0, head_end + 4);
    s.state = State::kOpen;
    deliveries_.push_back({s.id, kOpened, {}});
  }
  parse_frames(s);
  return true;
}

void DockerAttach::parse_frames(Stream& s) {
  size_t at = 0;
  while (s.in.size() - at >= 8) {
    const auto* h = reinterpret_cast<const unsigned char*>(s.in.data() + at);
    const size_t size = (size_t{h[4]} << 24) | (size_t{h[5]} << 16) | (size_t{h[6]} << 8) | h[7];
    if (s.in.size() - at - 8 < size) break;
    if (h[0] == 1) {  // stdout
      for (char c : std::string_view(s.in).substr(at + 8, size)) {
        if (c != '\n') {
          if (s.line.size() <= kMaxLine) s.line.push_back(c);
          continue;
        }
        if (s.line.size() <= kMaxLine) deliveries_.push_back({s.id, kLine, std::move(s.line)});
        s.line.clear();
      }
    }
    at += 8 + size;
  }
  s.in.erase(0, at);
}

void DockerAttach::deliver() {
  // Each callback may open, write or close streams (its own too): looked up again every time.
  for (size_t i = 0; i < deliveries_.size(); ++i) {
    Delivery d = std::move(deliveries_[i]);
    const auto it = streams_.find(static_cast<uint32_t>(d.id));
    if (it == streams_.end() || it->second.id != d.id) continue;
    if (d.kind == kEnded) {
      std::function<void(std::string_view)> on_end = std::move(it->second.callbacks.on_end);
      streams_.erase(it);
      if (on_end) on_end(d.text);
    } else if (d.kind == kOpened) {
      if (it->second.callbacks.on_open) std::function<void()>(it->second.callbacks.on_open)();
    } else if (it->second.callbacks.on_line) {
      std::function<void(std::string_view)>(it->second.callbacks.on_line)(d.text);
    }
  }
  deliveries_.clear();
  for (uint32_t index : to_arm_) {
    const auto it = streams_.find(index);
    if (it != streams_.end()) arm(it->second);
  }
  to_arm_.clear();
}

void DockerAttach::on_completion(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<DockerAttach*>(ctx);
  const auto it = self->streams_.find(user_data_index(cqe.user_data));
  if (it == self->streams_.end()) return;
  Stream& s = it->second;
  if (s.generation != user_data_generation(cqe.user_data) || s.armed == 0) return;
  s.armed = 0;
  self->to_arm_.push_back(static_cast<uint32_t>(s.id));
  if (cqe.res < 0) {
    self->end(s, std::string("poll: ") + std::strerror(-cqe.res));
  } else {
    self->on_ready(s, static_cast<unsigned>(cqe.res));
  }
  // At once, not at the batch end: a took line is a player waiting.
  self->deliver();
}

void DockerAttach::on_batch_end(void* ctx) { static_cast<DockerAttach*>(ctx)->deliver(); }

}  // namespace ringside
