#pragma once
// A Docker engine played by the test: an HTTP/1.1 server on a unix socket that answers each
// call as the test's handler says, and remembers the calls. For what a real engine does not
// do on cue: an answer held back, the empty stats of a container that died between two calls,
// an event stream that ends as soon as it opens. It runs on its own threads (one per
// connection), never on the test's loop.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ringside {

class FakeDockerEngine {
 public:
  struct Call {
    std::string method;
    std::string target;  // path and query after the API version: "/containers/json?all=true"
    std::string body;
  };
  struct Reply {
    enum class Body : uint8_t {
      kWhole,        // `body` with a Content-Length
      kStreamHeld,   // a chunked 200: `body` as its first chunk, open until the client leaves
      kStreamEnded,  // the same, ended at once
    };
    int status = 200;
    std::string body;
    Body kind = Body::kWhole;
    uint32_t delay_ms = 0;  // before answering
  };
  using Handler = std::function<Reply(const Call&)>;

  // What a healthy engine with no containers answers: the image is pulled at once, a container
  // is created (its id: its name), starts, runs without a HEALTHCHECK, and has used 0.5 s of
  // CPU; the event stream stays open and silent. 2 CPUs, 2 GiB.
  static Reply healthy(const Call& call);

  // Listens at once; `handler` runs on the server's threads, for every call.
  explicit FakeDockerEngine(Handler handler);
  ~FakeDockerEngine();
  FakeDockerEngine(const FakeDockerEngine&) = delete;
  FakeDockerEngine& operator=(const FakeDockerEngine&) = delete;

  // "unix:///..." for DockerEngine::address.
  std::string address() const { return "unix://" + path_; }
  // Every call so far, in the order they came.
  std::vector<Call> calls() const;
  // How many calls of `method` had a target starting with `prefix`.
  size_t count(std::string_view method, std::string_view prefix) const;

 private:
  void accept_loop();
  void serve(int conn);
  // Sleeps up to `ms`; false when the engine is being destroyed.
  bool wait_ms(uint32_t ms);

  Handler handler_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // written to once, at destruction: the accept loop ends
  mutable std::mutex mu_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::vector<Call> calls_;
  std::vector<int> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace ringside
