// gameye-standin: a local imitation of Gameye's session API for ringside's tests. See
// tools/gameye-standin/README.md.
#include <cstdio>
#include <cstring>
#include <string>

#include "core/log.h"
#include "core/message_bus.h"
#include "core/reactor.h"
#include "http/http_server.h"
#include "http/listen_socket.h"
#include "model/metrics/http_metrics.h"
#include "tools/gameye-standin/options.h"
#include "tools/gameye-standin/standin.h"

int main(int argc, char** argv) {
  using namespace ringside;
  using namespace ringside::gameye_standin;
  StandinOptions options;
  bool help = false;
  const std::string error = parse_options(argc, argv, &options, &help);
  if (help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "gameye-standin: %s\n", error.c_str());
    return 2;
  }

  // One thread: a bus of one (nobody to message) for the reactor it needs.
  MessageBus bus(1, 4096);
  Reactor::Options reactor_options;
  reactor_options.sq_entries = 256;
  reactor_options.cq_entries = 1024;
  reactor_options.timer_tick_ms = 5;  // start delays are short; keep them close to exact
  Reactor reactor(bus, 0, reactor_options);

  const int listen_fd = open_listen_socket(options.host, options.port);
  if (listen_fd < 0) {
    log_error("listen_failed")
        .kv("host", options.host)
        .kv("port", unsigned{options.port})
        .kv("error", std::strerror(-listen_fd));
    return 1;
  }
  HttpServerOptions http_options;
  http_options.recv_buffer_count = 256;
  HttpMetrics metrics;
  Standin standin(reactor, options);
  HttpServer http(reactor, http_options, standin, metrics);
  standin.attach(&http);
  if (int rc = http.start(listen_fd); rc != 0) {
    log_error("start_failed").kv("error", std::strerror(-rc));
    return 1;
  }
  log_info("gameye_standin_listening").kv("host", options.host).kv("port", unsigned{options.port});
  reactor.run();
  return 0;
}
