// storm: ringside's launch-storm load generator. See tools/storm/README.md.
#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/storm/mono_clock.h"
#include "tools/storm/options.h"
#include "tools/storm/poll_sessions.h"
#include "tools/storm/report.h"
#include "tools/storm/run.h"

namespace {

volatile std::sig_atomic_t g_signals = 0;

void on_signal(int) { g_signals = g_signals + 1; }

// Resolves host:port (the first address getaddrinfo gives). Returns "" or why not.
std::string resolve(const ringside::storm::StormOptions& o,
                    ringside::storm::ClientPool::Options* pool) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &found);
  if (rc != 0) return o.host + ":" + o.port + ": " + gai_strerror(rc);
  std::memcpy(&pool->address, found->ai_addr, found->ai_addrlen);
  pool->address_length = found->ai_addrlen;
  freeaddrinfo(found);
  return {};
}

// Each connection is a descriptor: lift the soft limit to the hard one.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ringside::storm;
  StormOptions options;
  bool help = false;
  const std::string error = parse_options(argc, argv, &options, &help);
  if (help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "storm: %s\n", error.c_str());
    return 2;
  }

  std::vector<PollSession> poll_sessions;
  if (options.poll_rate > 0) {
    if (std::string bad = read_poll_sessions(options.poll_sessions_path, &poll_sessions);
        !bad.empty()) {
      std::fprintf(stderr, "storm: --poll-sessions %s\n", bad.c_str());
      return 2;
    }
  }

  ClientPool::Options pool;
  // The players' lane (none when no launch is offered), then the steady polls' own.
  pool.lanes = {options.schedule ? options.connections : 0};
  if (options.poll_rate > 0) pool.lanes.push_back(options.poll_connections);
  pool.pipeline = options.pipeline;
  pool.timeout_ns = seconds_to_ns(options.timeout_s);
  if (std::string failed = resolve(options, &pool); !failed.empty()) {
    std::fprintf(stderr, "storm: %s\n", failed.c_str());
    return 2;
  }
  raise_descriptor_limit();

  StormRun run(options, pool, poll_sessions);
  if (std::string failed = run.start(); !failed.empty()) {
    std::fprintf(stderr, "storm: cannot start: %s\n", failed.c_str());
    return 2;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;  // no SA_RESTART: the wait in io_uring_enter returns EINTR
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  ReportInput report;
  report.target = options.host + ":" + options.port;
  report.schedule = options.schedule_text;
  report.run_id = options.run_id;
  if (options.poll_rate > 0) {
    char text[128];
    std::snprintf(text, sizeof text, "%g/s over %zu sessions, %u connections", options.poll_rate,
                  poll_sessions.size(), options.poll_connections);
    report.steady_polls = text;
  }
  report.times = run.run(g_signals);
  report.stats = &run.stats();
  report.accounting = &run.accounting();
  write_text_report(stdout, report);
  if (!options.json_path.empty()) {
    if (std::string failed = write_json_report(options.json_path, report); !failed.empty()) {
      std::fprintf(stderr, "storm: %s\n", failed.c_str());
      return 2;
    }
  }
  return run.accounting().summary().balanced() ? 0 : 1;
}
