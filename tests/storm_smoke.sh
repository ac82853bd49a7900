#!/usr/bin/env bash
# A short launch storm against a started ringside (sim backend, 2 shards): a few hundred
# players launch, poll until running, play briefly and stop. storm exits non-zero if any
# accepted launch is unaccounted for (lost or duplicated), which fails this test.
#   tests/storm_smoke.sh RINGSIDE_BINARY STORM_BINARY
set -euo pipefail
ringside=$1
storm=$2
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)))
"$ringside" --listen "127.0.0.1:$port" --shards 2 --operator-key storm-key --log-level warn \
  --sim-pull-ms 200 --sim-start-ms 100 --launch-budget 1000/s >"$dir/ringside.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

"$storm" --target "127.0.0.1:$port" --operator-key storm-key --rate 150 --launches 300 \
  --poll-interval 0.2 --keepalive-interval 0.5 --play-time 1 --connections 32 --grace 60 \
  --quiet --json "$dir/storm.json"
status=$?
grep -q '"lost": *\[\]' "$dir/storm.json" || { echo "storm reported lost sessions"; exit 1; }
exit "$status"
