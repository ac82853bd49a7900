#pragma once
// Held attach streams to containers (POST /containers/{id}/attach, upgraded to a raw stream):
// how the Docker backend talks to a warm container's game (docs/warm-pools.md). One socket per
// stream, non-blocking, watched by io_uring polls on the reactor (completion kind
// kAttachCompletion), as HttpClient watches curl's sockets. After the engine's `101 UPGRADED`,
// what is written goes to the game's stdin and the game's stdout comes back as the engine's
// multiplexed frames (8-byte header: stream byte, 3 zero bytes, big-endian u32 size), handed
// out here as whole lines. stderr is dropped.
//
// Why not HttpClient: libcurl's multi interface cannot hand over an upgraded connection and keep
// watching it on our loop; the protocol after the upgrade is a few dozen lines.
//
// Every callback runs from the loop, never from inside open(), write() or close(); none runs
// after close(). Each may close its own stream or others.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backends/docker/docker_api.h"
#include "core/reactor.h"

namespace ringside {

class DockerAttach {
 public:
  using StreamId = uint64_t;
  struct Callbacks {
    std::function<void()> on_open;                  // the engine answered 101: writes reach stdin
    std::function<void(std::string_view)> on_line;  // one stdout line, without its '\n'
    std::function<void(std::string_view error)> on_end;  // once: broken, refused or ended
  };
  // Registers the handler of completion `kind` and a batch-end hook; construct and destroy on
  // the reactor's thread (never from inside a callback). Streams still open are closed.
  explicit DockerAttach(Reactor& reactor, CompletionKind kind = kAttachCompletion);
  ~DockerAttach();
  DockerAttach(const DockerAttach&) = delete;
  DockerAttach& operator=(const DockerAttach&) = delete;

  // Connects to `endpoint` (a unix socket, or TCP to a numeric address or localhost) and asks
  // to attach to `container`'s stdin, stdout and stderr.
  StreamId open(const docker_api::Endpoint& endpoint, std::string_view container,
                Callbacks callbacks);
  // Queues `data` for the game's stdin (sent as the socket takes it). False for an unknown id.
  bool write(StreamId id, std::string_view data);
  // Closes the stream; no callback of it runs any more. Unknown ids are ignored.
  void close(StreamId id);
  size_t open_streams() const { return streams_.size(); }

 private:
  enum class State : uint8_t { kConnecting, kUpgrading, kOpen };
  struct Stream {
    StreamId id = 0;
    int fd = -1;
    State state = State::kConnecting;
    uint32_t generation = 0;
    unsigned armed = 0;  // the events the poll in flight waits for; 0 when none
    std::string out;     // to send, from out_at
    size_t out_at = 0;
    std::string in;  // received and not parsed yet
    std::string line;
    Callbacks callbacks;
  };

  void end(Stream& s, std::string error);  // queued for the batch end
  void on_ready(Stream& s, unsigned events);
  bool send_out(Stream& s);      // false: broken
  bool receive(Stream& s);       // false: broken or ended
  bool parse(Stream& s);         // false: a malformed answer
  void parse_frames(Stream& s);  // hands out whole stdout lines (collected in lines_)
  void arm(Stream& s);
  void disarm(Stream& s);
  void deliver();
  static void on_completion(void* ctx, const io_uring_cqe& cqe);
  static void on_batch_end(void* ctx);

  Reactor& reactor_;
  CompletionKind kind_;
  std::unordered_map<uint32_t, Stream> streams_;  // by index (the id's low 32 bits)
  StreamId next_id_ = 1;
  // What to hand out at the batch end, in order: (id, kind, text) with kind 0 open, 1 line,
  // 2 end.
  struct Delivery {
    StreamId id;
    uint8_t kind;
    std::string text;
  };
  std::vector<Delivery> deliveries_;
  std::vector<uint32_t> to_arm_;
};

}  // namespace ringside
