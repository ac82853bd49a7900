// The attach stream against a scripted engine on a unix socket (a thread): the upgrade, a big
// write that the socket takes in pieces, stdout lines split across frames and reads, stderr
// dropped, a refused attach, a broken stream.
#include "backends/docker/docker_attach.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend/support/reactor_driver.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;

std::string frame(char stream, const std::string& text) {
  const uint32_t n = static_cast<uint32_t>(text.size());
  std::string f = {stream,
                   0,
                   0,
                   0,
                   static_cast<char>(n >> 24),
                   static_cast<char>(n >> 16),
                   static_cast<char>(n >> 8),
                   static_cast<char>(n)};
  return f + text;
}

// One connection: reads the request head, answers `status_line`, then (on 101) runs `script`.
class ScriptedEngine {
 public:
  ScriptedEngine(std::string status_line, std::function<void(int fd)> script)
      : path_(testing::TempDir() + "/attach-" + std::to_string(getpid()) + ".sock") {
    ::unlink(path_.c_str());
    listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    thread_ = std::thread([this, status_line = std::move(status_line), script] {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      char c;
      while (request_.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) {
        request_ += c;
      }
      const std::string head = status_line + "\r\nContent-Type: x\r\n\r\n";
      EXPECT_EQ(::write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
      if (status_line.find(" 101 ") != std::string::npos) script(fd);
      ::close(fd);
    });
  }
  ~ScriptedEngine() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
    ::unlink(path_.c_str());
  }
  docker_api::Endpoint endpoint() const { return {path_, "http://docker/v1.41"}; }
  const std::string& request() const { return request_; }

 private:
  std::string path_;
  int listener_ = -1;
  std::string request_;
  std::thread thread_;
};

void send_all(int fd, const std::string& data) {
  for (size_t at = 0; at < data.size();) {
    const ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    ASSERT_GT(n, 0);
    at += static_cast<size_t>(n);
  }
}

struct Seen {
  bool open = false;
  std::vector<std::string> lines;
  std::optional<std::string> ended;
  DockerAttach::Callbacks callbacks() {
    DockerAttach::Callbacks c;
    c.on_open = [this] { open = true; };
    c.on_line = [this](std::string_view line) { lines.emplace_back(line); };
    c.on_end = [this](std::string_view error) { ended = std::string(error); };
    return c;
  }
};

TEST(DockerAttach, UpgradesThenWritesStdinAndHandsOutStdoutLines) {
  const std::string payload(4 << 20, 'x');  // more than a socket buffer: written in pieces
  std::atomic<size_t> received{0};
  ScriptedEngine engine("HTTP/1.1 101 UPGRADED", [&](int fd) {
    send_all(fd, frame(1, "ready\nhal") + frame(2, "noise on stderr\n"));
    std::this_thread::sleep_for(20ms);
    send_all(fd, frame(1, "f a line\n").substr(0, 5));  // a frame split across reads
    std::this_thread::sleep_for(20ms);
    send_all(fd, frame(1, "f a line\n").substr(5));
    std::string in;
    char buf[65536];
    while (in.size() < payload.size() + 5) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
    }
    received = in.size();
    send_all(fd, frame(1, "got " + std::to_string(in.size()) + "\n"));
  });
  ReactorDriver driver;
  DockerAttach attach(driver.reactor());
  Seen seen;
  const DockerAttach::StreamId id = attach.open(engine.endpoint(), "abc", seen.callbacks());
  EXPECT_FALSE(seen.open);  // never from inside open()
  ASSERT_TRUE(driver.run_until([&] { return seen.open; }, 5s));
  EXPECT_EQ(engine.request().rfind("POST /v1.41/containers/abc/attach?stream=1&stdin=1&stdout=1"
                                   "&stderr=1 HTTP/1.1\r\n",
                                   0),
            0u);
  EXPECT_NE(engine.request().find("Upgrade: tcp\r\n"), std::string::npos);
  ASSERT_TRUE(attach.write(id, "take\n" + payload));
  ASSERT_TRUE(driver.run_until([&] { return seen.lines.size() == 3; }, 10s)) << seen.lines.size();
  EXPECT_EQ(seen.lines[0], "ready");
  EXPECT_EQ(seen.lines[1], "half a line");
  EXPECT_EQ(seen.lines[2], "got " + std::to_string(payload.size() + 5));
  EXPECT_EQ(received, payload.size() + 5);
  // The engine closes: the stream ends, once.
  ASSERT_TRUE(driver.run_until([&] { return seen.ended.has_value(); }, 5s));
  EXPECT_FALSE(attach.write(id, "late"));
  EXPECT_EQ(attach.open_streams(), 0u);
}

TEST(DockerAttach, ARefusedAttachEndsWithTheEnginesStatus) {
  ScriptedEngine engine("HTTP/1.1 404 Not Found", [](int) {});
  ReactorDriver driver;
  DockerAttach attach(driver.reactor());
  Seen seen;
  attach.open(engine.endpoint(), "gone", seen.callbacks());
  ASSERT_TRUE(driver.run_until([&] { return seen.ended.has_value(); }, 5s));
  EXPECT_FALSE(seen.open);
  EXPECT_NE(seen.ended->find("404"), std::string::npos) << *seen.ended;
}

TEST(DockerAttach, NoEngineEndsTheStreamFromTheLoopAndCloseSilencesIt) {
  ReactorDriver driver;
  DockerAttach attach(driver.reactor());
  Seen seen, closed;
  attach.open({"/nonexistent/docker.sock", "http://docker/v1.41"}, "x", seen.callbacks());
  const DockerAttach::StreamId other =
      attach.open({"/nonexistent/docker.sock", "http://docker/v1.41"}, "y", closed.callbacks());
  EXPECT_FALSE(seen.ended.has_value());  // not from inside open()
  attach.close(other);
  ASSERT_TRUE(driver.run_until([&] { return seen.ended.has_value(); }, 5s));
  EXPECT_NE(seen.ended->find("connect"), std::string::npos) << *seen.ended;
  driver.run_for(50ms);
  EXPECT_FALSE(closed.ended.has_value());
}

}  // namespace
}  // namespace ringside
