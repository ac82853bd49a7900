// Fills a running ringside with N players, each with a token and a launched session, through
// the public API (operator launch, then launch), pipelining requests on a few connections so
// that a million sessions take seconds. Writes "token sessionId" lines for bench/poll.lua.
//
//   seed_sessions PORT OPERATOR_KEY COUNT OUT_FILE [GAME_SLUG]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr size_t kBatch = 256;

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    perror("connect");
    exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      perror("write");
      exit(1);
    }
    off += static_cast<size_t>(n);
  }
}

// Reads `count` responses (ringside always sends Content-Length); returns their bodies.
std::vector<std::string> read_responses(int fd, size_t count, std::string& buffer) {
  std::vector<std::string> bodies;
  char chunk[65536];
  while (bodies.size() < count) {
    size_t header_end = buffer.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      size_t cl = buffer.find("Content-Length: ");
      size_t length = strtoul(buffer.c_str() + cl + 16, nullptr, 10);
      if (buffer.size() >= header_end + 4 + length) {
        if (buffer.compare(9, 1, "2") != 0) {
          fprintf(stderr, "unexpected answer: %s\n",
                  buffer.substr(0, header_end + 4 + length).c_str());
          exit(1);
        }
        bodies.push_back(buffer.substr(header_end + 4, length));
        buffer.erase(0, header_end + 4 + length);
        continue;
      }
    }
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) {
      fprintf(stderr, "connection closed\n");
      exit(1);
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
  return bodies;
}

std::string field(const std::string& body, std::string_view name) {
  std::string key;
  key.append(1, '"').append(name).append("\":\"");
  size_t at = body.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  return body.substr(at, body.find('"', at) - at);
}

std::string post(std::string_view path, std::string_view auth, const std::string& body) {
  std::string r;
  r.append("POST ").append(path).append(" HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ");
  r.append(auth);
  r += "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
       "\r\n\r\n" + body;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: seed_sessions PORT OPERATOR_KEY COUNT OUT_FILE [GAME_SLUG]\n");
    return 2;
  }
  const auto port = static_cast<uint16_t>(atoi(argv[1]));
  const std::string key = argv[2];
  const size_t count = strtoul(argv[3], nullptr, 10);
  FILE* out = fopen(argv[4], "w");
  const std::string game = argc > 5 ? argv[5] : "tlon-uqbar";
  if (!out) {
    perror("fopen");
    return 1;
  }
  int fd = connect_to(port);
  std::string buffer;
  const std::string launch_body = "{\"gameSlug\":\"" + game + "\"}";
  for (size_t start = 0; start < count; start += kBatch) {
    const size_t n = std::min(kBatch, count - start);
    std::string batch;
    for (size_t i = 0; i < n; ++i) {
      batch += post("/operator/launch", key,
                    "{\"playerId\":\"bench-" + std::to_string(start + i) + "\",\"gameSlug\":\"" +
                        game + "\"}");
    }
    send_all(fd, batch);
    std::vector<std::string> tokens;
    for (const std::string& b : read_responses(fd, n, buffer))
      tokens.push_back(field(b, "sessionToken"));
    batch.clear();
    for (const std::string& t : tokens) batch += post("/api/game/launch", t, launch_body);
    send_all(fd, batch);
    std::vector<std::string> launched = read_responses(fd, n, buffer);
    for (size_t i = 0; i < n; ++i) {
      fprintf(out, "%s %s\n", tokens[i].c_str(), field(launched[i], "sessionId").c_str());
    }
  }
  fclose(out);
  close(fd);
  fprintf(stderr, "seeded %zu sessions\n", count);
  return 0;
}
