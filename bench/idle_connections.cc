// Opens N keep-alive connections to a server, sends one request on each and reads the
// answer, then holds them idle and prints the server's RSS growth per connection.
//   idle_connections PORT SERVER_PID N
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

long rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: idle_connections PORT SERVER_PID N\n");
    return 2;
  }
  const auto port = static_cast<uint16_t>(atoi(argv[1]));
  const int pid = atoi(argv[2]);
  const int n = atoi(argv[3]);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const char request[] = "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n";

  const long before = rss_kib(pid);
  std::vector<int> fds;
  char buf[512];
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      perror("connect");
      fprintf(stderr, "stopped at %d connections\n", i);
      if (fd >= 0) close(fd);
      break;
    }
    if (write(fd, request, sizeof request - 1) < 0 || read(fd, buf, sizeof buf) <= 0) {
      fprintf(stderr, "connection %d was not served\n", i);
      return 1;
    }
    fds.push_back(fd);
  }
  sleep(1);
  const long after = rss_kib(pid);
  printf("idle keep-alive connections: %zu, server RSS %ld -> %ld KiB, %ld bytes each\n",
         fds.size(), before, after,
         fds.empty() ? 0 : (after - before) * 1024 / static_cast<long>(fds.size()));
  for (int fd : fds) close(fd);
  return 0;
}
