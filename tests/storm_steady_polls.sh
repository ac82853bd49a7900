#!/usr/bin/env bash
# storm's steady status polls against a started ringside (sim backend, 2 shards): 300 sessions
# seeded through the API (bench/seed_sessions), polled at a steady rate alone, then beside a
# short launch storm. Fails unless every steady poll was answered 200 (and, in the second run,
# every accepted launch is accounted for: storm's exit status).
#   tests/storm_steady_polls.sh RINGSIDE_BINARY STORM_BINARY SEED_SESSIONS_BINARY
set -euo pipefail
ringside=$1
storm=$2
seed_sessions=$3
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)))
"$ringside" --listen "127.0.0.1:$port" --shards 2 --operator-key storm-key --log-level warn \
  --sim-pull-ms 200 --sim-start-ms 100 --launch-budget 1000/s --sim-servers 8 \
  --sim-slots-per-server 1000 --sim-server-cpu 100000 --sim-server-memory-mb 1000000 \
  >"$dir/ringside.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

"$seed_sessions" "$port" storm-key 300 "$dir/sessions.txt" garden-of-forking-paths

# Passes when the steady polls of report $1 were $2 in all, each answered 200.
all_ok() {
  local row
  row=$(grep -o '"steadyPolls":{[^}]*"status":{"sent":[0-9]*,"ok":[0-9]*,"errors":[0-9]*' "$1")
  [[ $row =~ \"offered\":([0-9]+).*\"sent\":([0-9]+),\"ok\":([0-9]+),\"errors\":([0-9]+)$ ]] || {
    echo "no steady poll row in $1"
    return 1
  }
  local offered=${BASH_REMATCH[1]} sent=${BASH_REMATCH[2]} ok=${BASH_REMATCH[3]}
  local errors=${BASH_REMATCH[4]}
  echo "steady polls: offered $offered sent $sent ok $ok errors $errors (expected $2)"
  [ "$offered" = "$2" ] && [ "$sent" = "$2" ] && [ "$ok" = "$2" ] && [ "$errors" = 0 ]
}

"$storm" --target "127.0.0.1:$port" --poll-sessions "$dir/sessions.txt" --poll-rate 400 \
  --duration 2 --poll-connections 8 --quiet --json "$dir/alone.json"
all_ok "$dir/alone.json" 800

"$storm" --target "127.0.0.1:$port" --operator-key storm-key --rate 100 --duration 2 \
  --poll-interval 0.2 --play-time 0.5 --connections 32 --grace 60 \
  --poll-sessions "$dir/sessions.txt" --poll-rate 400 --poll-connections 8 --quiet \
  --json "$dir/storm.json"
all_ok "$dir/storm.json" 800
