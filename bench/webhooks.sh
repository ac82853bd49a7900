#!/usr/bin/env bash
# Webhook delivery throughput from one I/O core against a local receiver (issue 17).
#
#   bench/webhooks.sh [LAUNCHES] [RATE] [on|off]    defaults: 5000 launches at 1000/s, on
#
# ringside (memory store, sim backend with instant pulls and starts, 2 shards) posts every
# session event to bench/raw_uring_responder (one io_uring thread answering every request 200
# at once: the receiver is not what is measured). tools/storm launches LAUNCHES sessions at RATE
# per second and stops each after a moment, so each launch makes two events (running,
# stopped). Every 0.5 s /metrics is read. Reported: the events delivered and the rate over the
# window in which they were delivered (bounded by the storm's rate when the sender keeps up:
# see "most held"), the most events held undelivered at once, the oldest age seen, and the CPU
# of the I/O core thread (ringside-io) and of the whole process. `off` runs the same storm
# without --webhook-url: the I/O core's CPU difference per event is what a delivery costs, and
# its inverse the rate one I/O core could sustain.
# BUILD_DIR (default build) holds ringside, storm and raw_uring_responder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
build=${BUILD_DIR:-build}
launches=${1:-5000}
rate=${2:-1000}
mode=${3:-on}
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

rport=$(free_port)
"$build/bench/raw_uring_responder" "$rport" >/dev/null 2>&1 &
pids+=($!)
wait_for_port "$!" "$rport"
echo "bench-secret" >"$dir/secret"
port=$(free_port)
hooks=(--webhook-url "http://127.0.0.1:$rport/hook" --webhook-secret-file "$dir/secret"
  --webhook-memory-events 1000000)
[ "$mode" = on ] || hooks=()
"$build/ringside" --listen "127.0.0.1:$port" --shards 2 --operator-key bench-key \
  --log-level warn --sim-pull-ms 0 --sim-start-ms 0 --sim-slots-per-server 100000 \
  --sim-session-cpu 0.01 --launch-budget 1000000/s "${hooks[@]}" >"$dir/ringside.log" 2>&1 &
rs=$!
pids+=("$rs")
wait_for_port "$rs" "$port"

# utime + stime of the I/O core thread, in clock ticks.
io_ticks() {
  local t line
  for t in /proc/"$rs"/task/*; do
    [ "$(cat "$t/comm")" = ringside-io ] || continue
    read -r line <"$t/stat"
    read -ra f <<<"${line##*) }"
    echo $((f[11] + f[12]))
  done
}
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
sample() {
  local prev=-1 stable=0 t0 now d u o
  t0=$(date +%s.%N)
  while :; do
    now=$(date +%s.%N)
    d=$(metric ringside_webhook_deliveries_total)
    u=$(metric ringside_webhook_undelivered)
    o=$(metric ringside_webhook_oldest_undelivered_seconds)
    echo "$(echo "$now - $t0" | bc) $d $u $o" >>"$dir/samples"
    if [ "$d" = "$prev" ] && [ -e "$dir/storm.json" ]; then
      stable=$((stable + 1))
      [ "$stable" -ge 2 ] && break
    fi
    prev=$d
    sleep 0.5
  done
}
cpu_before=$(cpu_ticks "$rs")
io_before=$(io_ticks)
sample &
sampler=$!
"$build/tools/storm" --target "127.0.0.1:$port" --operator-key bench-key --rate "$rate" \
  --launches "$launches" --poll-interval 1 --keepalive-interval 5 --play-time 0.5 \
  --connections 64 --grace 60 --quiet --json "$dir/storm.json" || true
wait "$sampler"
cpu_after=$(cpu_ticks "$rs")
io_after=$(io_ticks)
awk -v ticks=$((cpu_after - cpu_before)) -v io=$((io_after - io_before)) \
  -v hz="$(getconf CLK_TCK)" '
  { t[NR] = $1; d[NR] = $2; if ($3 > maxu) maxu = $3; if ($4 > maxo) maxo = $4 }
  END {
    for (i = 1; i <= NR; i++) if (d[i] > 0 && !first) first = i
    last = NR; while (last > 1 && d[last - 1] == d[last]) last--
    span = t[last] - t[first - 1 > 0 ? first - 1 : first]
    if (d[last] == 0 || span <= 0) printf "no webhook deliveries\n"
    else printf "events delivered: %d in %.1f s: %.0f events/s\n", d[last], span, d[last] / span
    printf "most held undelivered: %d, oldest seen: %.1f s\n", maxu, maxo
    printf "CPU: I/O core %.2f s, ringside %.2f s\n", io / hz, ticks / hz
  }' "$dir/samples"
