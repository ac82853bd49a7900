#include "tools/storm/options.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace ringside::storm {
namespace {

template <typename Int>
bool parse_count(std::string_view text, Int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool parse_seconds(std::string_view text, double* out) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return false;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out, std::chars_format::fixed);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(*out);
}

std::string default_run_id() {
  char id[32];
  const auto seed = static_cast<unsigned long long>(std::time(nullptr)) * 100003u +
                    static_cast<unsigned long long>(getpid());
  std::snprintf(id, sizeof id, "%llx", seed % 0xFFFFFFFFFFull);
  return id;
}

// The steady poll load's flags, checked once all flags are read.
std::string check_steady_polls(const StormOptions& o) {
  if (o.poll_sessions_path.empty() != (o.poll_rate == 0)) {
    return "--poll-sessions and --poll-rate go together";
  }
  if (o.poll_rate == 0) return {};
  if (o.duration_s <= 0) return "--poll-rate needs --duration";
  if (o.poll_connections == 0) return "--poll-connections must be at least 1";
  return {};
}

// Everything a flag can set, checked once all flags are read.
std::string check(StormOptions* o, bool have_launches, uint64_t burst) {
  if (!o->schedule) {
    // No launches: a steady poll load alone.
    if (o->poll_rate == 0 && o->poll_sessions_path.empty()) {
      return "one of --rate, --ramp or --burst is required (or --poll-rate alone)";
    }
    if (have_launches) return "--launches needs --rate, --ramp or --burst";
    o->schedule_text = "no launches";
  } else {
    if (o->operator_key.empty()) return "--operator-key is required";
    if (burst > 0) {
      if (have_launches && o->launches != burst) return "--burst N sets the launch count itself";
      o->launches = burst;
    }
    if (o->launches == 0 && o->duration_s <= 0) {
      if (o->schedule->ramp_seconds() <= 0) return "give --launches or --duration";
      o->duration_s = o->schedule->ramp_seconds();
    }
  }
  if (std::string why = check_steady_polls(*o); !why.empty()) return why;
  if (o->connections == 0) return "--connections must be at least 1";
  if (o->pipeline == 0) return "--pipeline must be at least 1";
  if (o->poll_interval_s <= 0 || o->keepalive_interval_s <= 0) return "intervals must be > 0";
  if (o->timeout_s <= 0) return "--timeout must be > 0";
  if (o->run_id.empty()) o->run_id = default_run_id();
  return {};
}

}  // namespace

std::string usage() {
  return R"(usage: storm --operator-key KEY (--rate R | --ramp FROM:TO:SECONDS | --burst N) [flags]
       storm --poll-sessions FILE --poll-rate R --duration SECONDS [flags]

An open-loop launch-storm generator for ringside: simulated players launch a game, poll its
status until it runs, keep it alive, and stop it, while storm measures every call. Beside
them, or alone (no launch flags), storm can keep a steady status-poll load on sessions that
already exist.

arrivals (one of, unless a steady poll load runs alone):
  --rate R                  launches per second: "200", "200/s", "600/min", "3600/h"
  --ramp FROM:TO:SECONDS    rate rising (or falling) linearly, then staying at TO
  --burst N                 N launches all due at once
run length:
  --launches N              launches to offer in all
  --duration SECONDS        offer launches (and steady polls) for this long (with --ramp
                            alone: the ramp's length)
  --grace SECONDS           after the last launch, wait this long at most for the flows still
                            under way (default 120)
target:
  --target HOST:PORT        ringside to load (default 127.0.0.1:8080)
  --operator-key KEY        key for POST /operator/launch (required)
  --game SLUG               game to launch (default garden-of-forking-paths)
  --run-id ID               players are storm-<ID>-<n> (default: from the clock)
players:
  --poll-interval SECONDS   between status polls (default 2)
  --keepalive-interval SECONDS  between keepalives while playing (default 30)
  --play-time SECONDS       from running to stop (default 10)
steady status polls (both or neither; need --duration):
  --poll-sessions FILE      "TOKEN SESSION_ID" lines (bench/seed_sessions writes them)
  --poll-rate R             GET session-status at this rate, same syntax as --rate, cycling
                            through the sessions; each due at its slot (open loop); any
                            answer but 200 is an error in the status (steady) row
  --poll-connections N      connections of their own for these polls (default 64)
client:
  --connections N           keep-alive connections for the players (default 256)
  --pipeline N              requests in flight per connection (default 1: like a browser)
  --timeout SECONDS         per request, from its write to its answer (default 30)
output:
  --json FILE               write the full report as JSON too
  --quiet                   no progress line on stderr
  --help

exit status: 0 when every accepted launch is accounted for (steady polls play no part), 1 when
some is lost or a session id was handed out twice, 2 when storm could not run.
)";
}

std::string parse_options(int argc, char** argv, StormOptions* o, bool* help) {
  *help = false;
  bool have_launches = false;
  uint64_t burst = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    std::string_view value;
    bool has_value = false;
    if (const size_t eq = flag.find('=');
        flag.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      *help = true;
      return {};
    }
    if (flag == "--quiet") {
      o->progress = false;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) return std::string(flag) + " needs a value";
      value = argv[++i];
    }
    std::string bad = "bad value for " + std::string(flag) + ": '" + std::string(value) + "'";
    if (flag == "--rate") {
      auto rate = parse_launch_rate(value);
      if (!rate || o->schedule)
        return o->schedule ? "give only one of --rate, --ramp, --burst" : bad;
      o->schedule = ArrivalSchedule::constant(*rate);
      o->schedule_text = "rate " + std::string(value);
    } else if (flag == "--ramp") {
      auto ramp = parse_ramp(value);
      if (!ramp || o->schedule)
        return o->schedule ? "give only one of --rate, --ramp, --burst" : bad;
      o->schedule = ramp;
      o->schedule_text = "ramp " + std::string(value) + " (per second, seconds)";
    } else if (flag == "--burst") {
      if (!parse_count(value, &burst) || burst == 0) return bad;
      if (o->schedule) return "give only one of --rate, --ramp, --burst";
      o->schedule = ArrivalSchedule::burst();
      o->schedule_text = "burst " + std::string(value);
    } else if (flag == "--launches") {
      if (!parse_count(value, &o->launches) || o->launches == 0) return bad;
      have_launches = true;
    } else if (flag == "--duration") {
      if (!parse_seconds(value, &o->duration_s) || o->duration_s <= 0) return bad;
    } else if (flag == "--grace") {
      if (!parse_seconds(value, &o->grace_s)) return bad;
    } else if (flag == "--target") {
      const size_t colon = value.rfind(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == value.size()) return bad;
      o->host = std::string(value.substr(0, colon));
      o->port = std::string(value.substr(colon + 1));
      if (o->host.size() > 2 && o->host.front() == '[' && o->host.back() == ']') {
        o->host = o->host.substr(1, o->host.size() - 2);  // [::1]:8080
      }
    } else if (flag == "--operator-key") {
      o->operator_key = std::string(value);
    } else if (flag == "--game") {
      if (value.empty()) return bad;
      o->game = std::string(value);
    } else if (flag == "--run-id") {
      if (value.empty()) return bad;
      o->run_id = std::string(value);
    } else if (flag == "--poll-interval") {
      if (!parse_seconds(value, &o->poll_interval_s)) return bad;
    } else if (flag == "--keepalive-interval") {
      if (!parse_seconds(value, &o->keepalive_interval_s)) return bad;
    } else if (flag == "--play-time") {
      if (!parse_seconds(value, &o->play_time_s)) return bad;
    } else if (flag == "--connections") {
      if (!parse_count(value, &o->connections)) return bad;
    } else if (flag == "--pipeline") {
      if (!parse_count(value, &o->pipeline)) return bad;
    } else if (flag == "--timeout") {
      if (!parse_seconds(value, &o->timeout_s)) return bad;
    } else if (flag == "--poll-sessions") {
      if (value.empty()) return bad;
      o->poll_sessions_path = std::string(value);
    } else if (flag == "--poll-rate") {
      auto rate = parse_launch_rate(value);
      if (!rate) return bad;
      o->poll_rate = *rate;
    } else if (flag == "--poll-connections") {
      if (!parse_count(value, &o->poll_connections)) return bad;
    } else if (flag == "--json") {
      if (value.empty()) return bad;
      o->json_path = std::string(value);
    } else {
      return "unknown flag " + std::string(flag) + " (see --help)";
    }
  }
  return check(o, have_launches, burst);
}

}  // namespace ringside::storm
