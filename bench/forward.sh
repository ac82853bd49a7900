#!/usr/bin/env bash
# Forwarded vs local status poll (issue 16), in one run: node B holds SESSIONS seeded sessions;
# node A is told by --static-routes that B serves every partition. wrk polls B directly (local),
# then A (every poll forwarded to B over A's persistent, pipelined peer connection). Both nodes
# share one core (--shards 1 each), wrk has the other. Reports requests/s, p99, and CPU per
# request of each node (ticks of the process over the run / requests), and the ratios.
#   SESSIONS=20000 DURATION=8s CONNECTIONS=64 BUILD_DIR=build bench/forward.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BUILD_DIR=${BUILD_DIR:-build}
SESSIONS=${SESSIONS:-20000}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-64}
RESULTS_DIR=${RESULTS_DIR:-bench/results/forward-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS_DIR"
export SESSIONS_FILE=$RESULTS_DIR/sessions.txt
secret=$RESULTS_DIR/token.secret
port_b=18201 port_a=18200
args=(--shards 1 --log-level warn --operator-key bench --token-secret-file "$secret"
  --launch-budget 10000000/s --launch-rate-per-player 100/s --launch-queue 1000000
  --sim-servers 64 --sim-slots-per-server 100000 --sim-server-cpu 100000000
  --sim-server-memory-mb 100000000 --sim-pull-ms 1 --sim-start-ms 1
  --session-idle-timeout 86400 --token-ttl 86400)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
taskset -c 0 "$BUILD_DIR/ringside" --listen 127.0.0.1:$port_b "${args[@]}" 2>"$RESULTS_DIR/b.log" &
pb=$!; pids+=("$pb"); sleep 0.5
taskset -c 0 "$BUILD_DIR/ringside" --listen 127.0.0.1:$port_a "${args[@]}" \
  --static-routes "0-1023=127.0.0.1:$port_b" 2>"$RESULTS_DIR/a.log" &
pa=$!; pids+=("$pa"); sleep 0.5
"$BUILD_DIR/bench/seed_sessions" $port_b bench "$SESSIONS" "$SESSIONS_FILE" >/dev/null

run() {  # NAME PORT
  local name=$1 port=$2 a0 b0 a1 b1
  a0=$(cpu_ticks "$pa"); b0=$(cpu_ticks "$pb")
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/poll.lua \
    "http://127.0.0.1:$port/api/game/session-status" >"$RESULTS_DIR/$name.txt"
  a1=$(cpu_ticks "$pa"); b1=$(cpu_ticks "$pb")
  local reqs p99 hz
  reqs=$(awk '/requests in/ {print $1}' "$RESULTS_DIR/$name.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$RESULTS_DIR/$name.txt")
  hz=$(getconf CLK_TCK)
  # microseconds of CPU per request, per node
  awk -v n="$name" -v r="$reqs" -v p="$p99" -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v hz="$hz" \
    -v d="${DURATION%s}" 'BEGIN { printf "%-9s %10.0f req/s  p99 %-8s  A %6.2f us/req  B %6.2f us/req  total %6.2f us/req\n",
      n, r / d, p, a * 1e6 / hz / r, b * 1e6 / hz / r, (a + b) * 1e6 / hz / r }'
}
{
  run local $port_b
  run forwarded $port_a
} | tee "$RESULTS_DIR/table.txt"
grep -c '"status"' "$RESULTS_DIR/forwarded.txt" >/dev/null 2>&1 || true
