#!/usr/bin/env bash
# Launch storm through HAProxy (issue 16), in one run: the same tools/storm load against a
# cluster of 3 nodes, then against a cluster of 1 node (tools/cluster-env both times: the same
# PostgreSQL store and the same balancer, so only the node count differs). Each storm player
# makes an operator launch, a launch, status polls until running, and a stop.
# For each node: CPU time of its process (/proc/PID/stat utime+stime, all threads) over the
# storm divided by the requests it answered (its /metrics ringside_http_requests_total, minus
# /readyz and /metrics, before and after). On this 2-core machine the nodes share the cores
# with PostgreSQL, HAProxy and storm, so per-node CPU per request is the figure, not a total.
#   RATE=300 DURATION=10 BUILD_DIR=build bench/cluster_storm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BUILD_DIR=${BUILD_DIR:-build}
RATE=${RATE:-300}
DURATION=${DURATION:-10}
PLAY_TIME=${PLAY_TIME:-3}
RESULTS_DIR=${RESULTS_DIR:-bench/results/cluster-storm-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS_DIR"
export BUILD_DIR
# Room for every launch: no per-process budget or queue limit, a simulated fleet that never
# fills and starts at once, sessions and tokens that outlive the run.
node_flags=(--backend sim --log-level warn --launch-budget 10000000/s --launch-queue 1000000
  --sim-servers 64 --sim-slots-per-server 100000 --sim-server-cpu 100000000
  --sim-server-memory-mb 100000000 --sim-pull-ms 1 --sim-start-ms 1
  --session-idle-timeout 86400 --token-ttl 86400)
dir=
trap '[[ -z $dir ]] || tools/cluster-env down "$dir" >/dev/null 2>&1 || true' EXIT

# "ANSWERED FORWARDED" for the node at URL so far: HTTP requests it answered (health checks and
# metrics scrapes left out; a request forwarded from another node counts here too, as the owner
# answers it on the peer connection) and requests it forwarded to another node.
served() {
  curl -s --max-time 5 -H "Authorization: Bearer $RINGSIDE_OPERATOR_KEY" "$1/metrics" |
    awk '/^ringside_http_requests_total/ && !/route="\/(readyz|metrics)"/ { n += $NF }
      /^ringside_node_forwarded_requests_total / { f += $NF } END { print n + 0, f + 0 }'
}

storm_once() {  # NODES
  local nodes=$1 i name
  local -a pids urls ticks0 served0
  local s0 f0
  dir=$(mktemp -u /tmp/rs-storm.XXXXXX)
  tools/cluster-env up "$dir" "$nodes" -- "${node_flags[@]}" >/dev/null
  set -a
  source "$dir/env"
  set +a
  for ((i = 1; i <= nodes; i++)); do
    pids[i]=$(eval echo "\$NODE_${i}_PID")
    urls[i]=$(eval echo "\$NODE_${i}_URL")
    served0[i]=$(served "${urls[i]}")
    ticks0[i]=$(cpu_ticks "${pids[i]}")
  done
  local haproxy0 haproxy1
  haproxy0=$(cpu_ticks "$HAPROXY_PID")
  name=storm-${nodes}node
  local rc=0
  "$BUILD_DIR/tools/storm" --target "${RINGSIDE_URL#http://}" --operator-key "$RINGSIDE_OPERATOR_KEY" \
    --rate "$RATE" --duration "$DURATION" --play-time "$PLAY_TIME" --poll-interval 0.5 \
    --run-id "$name-$$" --quiet --json "$RESULTS_DIR/$name.json" \
    >"$RESULTS_DIR/$name.txt" 2>&1 || rc=$?
  sleep 0.2
  haproxy1=$(cpu_ticks "$HAPROXY_PID")
  local cpu_all=0 sent
  sent=$(awk '/^(operator-launch|launch|status|keepalive|stop) / { n += $2 } END { print n }' \
    "$RESULTS_DIR/$name.txt")
  {
    echo "== $nodes node(s), storm exit $rc"
    sed -n '/^endpoint/,/^accounting/p' "$RESULTS_DIR/$name.txt"
    for ((i = 1; i <= nodes; i++)); do
      local t1 s1 f1
      t1=$(cpu_ticks "${pids[i]}")
      read -r s1 f1 <<<"$(served "${urls[i]}")"
      read -r s0 f0 <<<"${served0[i]}"
      cpu_all=$((cpu_all + t1 - ticks0[i]))
      awk -v n="node-$i" -v t=$((t1 - ticks0[i])) -v r=$((s1 - s0)) -v f=$((f1 - f0)) \
        -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%s: answered %d requests (forwarded %d to others), %.2f s CPU, %.1f us/req answered\n",
          n, r, f, t / hz, r ? t * 1e6 / hz / r : 0 }'
    done
    awk -v t=$cpu_all -v r="$sent" -v hz="$(getconf CLK_TCK)" 'BEGIN {
      printf "all nodes: %.2f s CPU for the %d requests storm sent, %.1f us per storm request\n",
        t / hz, r, t * 1e6 / hz / r }'
    awk -v t=$((haproxy1 - haproxy0)) -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "haproxy: %.2f s CPU\n", t / hz }'
  } | tee -a "$RESULTS_DIR/summary.txt"
  tools/cluster-env down "$dir" >/dev/null
  dir=
}

echo "$(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) rate $RATE/s for $DURATION s" |
  tee "$RESULTS_DIR/summary.txt"
storm_once 3
storm_once 1
echo "$(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS_DIR/summary.txt"
