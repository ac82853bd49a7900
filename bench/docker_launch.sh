#!/usr/bin/env bash
# Docker launch-to-running (issue 6): ringside (--backend docker, one shard) against two real
# engines from tools/docker-env, next to the bare Engine API calls made with curl over the same
# unix sockets in the same run. Needs root (docker-env); takes about 12 minutes (step 6 alone about 9).
#   1. ringside, first launch: the image is on no engine, so it is pulled (pull / rest split from
#      ringside's own log lines docker_pull_started, docker_pulled, docker_running);
#   2. ringside, DOCKER_CACHED_RUNS launches 5 s apart, image cached;
#   3. bare curl on the engine ringside did not use: pull, then create + start + inspect, the
#      calls ringside makes (tests/docker/smoke.sh, docs/docker-backend.md), first and cached;
#   4. ringside restarted (it lists both engines' images), DOCKER_BURST launches at once: time
#      until all run = launches/s one I/O core drives; storm then stops them all;
#   5. the same burst as bare curl calls, all at once: what the engines themselves allow.
#   bench/docker_launch.sh      (DOCKER_BURST=30 DOCKER_CACHED_RUNS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

B=${BUILD_DIR:-build}
BURST=${DOCKER_BURST:-30}
CACHED_RUNS=${DOCKER_CACHED_RUNS:-5}
WARM_RUNS=${WARM_RUNS:-20}
WARM_POOL=${WARM_POOL:-4}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
# The game's CPU limit (NanoCpus): the test game burns 30 % of a core unless capped, and a
# burst of 30 would otherwise swamp a small machine.
GAME_CPU=${GAME_CPU:-0.01}
GAME_MEMORY_MB=64
OUT=${RESULTS_DIR:-bench/results/docker-launch-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[[ -x $B/ringside && -x $B/tools/storm ]] || {
  echo "bench/docker_launch.sh: build $B/ringside and $B/tools/storm first" >&2
  exit 1
}

work=$(mktemp -d /tmp/rs-bench-dk.XXXXXX)
PID=""
finish() {
  [[ -z $PID ]] || stop_process "$PID"
  tools/docker-env down "$work/env" || true
  rm -rf "$work"
}
trap finish EXIT

say() { echo "$*" | tee -a "$OUT/summary.txt"; }

tools/docker-env up "$work/env" 2 >/dev/null 2>"$OUT/docker-env.log"
set -a
# shellcheck source=/dev/null
. "$work/env/env"
set +a
IFS=, read -r -a hosts <<<"$DOCKER_HOSTS"
repo=${GAME_IMAGE%:*}
tag=${GAME_IMAGE##*:}
millicores=$(awk -v c="$GAME_CPU" 'BEGIN { printf "%d", c * 1000 }')

# write_catalog FILE [POOL]: the test game, with a warm pool of POOL when given.
write_catalog() {
  cat >"$1" <<EOF
{"games": [{"slug": "test-game", "title": "Test game", "image": "$GAME_IMAGE", "sizeMb": 2,
            "cpuCores": $GAME_CPU, "memoryMb": $GAME_MEMORY_MB, "saveDir": "$GAME_SAVE_DIR"
            ${2:+, \"warmPool\": $2}}]}
EOF
}
write_catalog "$work/catalog.json"

# Starts ringside on SERVER_CPU, logging to OUT/LOG; sets PORT and PID. The caller may set
# CATALOG (a catalog file) and SLOTS (per engine).
start_ringside() {
  local log=$1
  for _ in 1 2 3; do
    PORT=$(free_port)
    taskset -c "$SERVER_CPU" "$B/ringside" --listen "127.0.0.1:$PORT" --shards 1 \
      --log-level info --operator-key bench --backend docker --docker-engines "$DOCKER_HOSTS" \
      --docker-engine-slots "${SLOTS:-$(((BURST + 1) / 2 + 1))}" --docker-stop-grace 2 \
      --catalog "${CATALOG:-$work/catalog.json}" --save-root "$work/saves" \
      --token-secret-file "$work/token.secret" >/dev/null 2>>"$OUT/$log" &
    PID=$!
    wait_for_port "$PID" "$PORT" && return 0
  done
  echo "bench/docker_launch.sh: ringside did not start, see $OUT/$log" >&2
  return 1
}

storm() {
  local name=$1
  shift
  taskset -c "$CLIENT_CPU" "$B/tools/storm" --target "127.0.0.1:$PORT" --operator-key bench \
    --game test-game --quiet --json "$OUT/$name.json" "$@" >"$OUT/$name.txt" 2>&1 || {
    echo "bench/docker_launch.sh: $name: storm reports lost launches (see $OUT/$name.txt)" >&2
    return 1
  }
  jq -e '.accounting.accepted > 0 and .accounting.error == 0' "$OUT/$name.json" >/dev/null || {
    echo "bench/docker_launch.sh: $name: no launch ran (see $OUT/$name.txt)" >&2
    return 1
  }
}

# Milliseconds since midnight UTC of the first line of LOG with event=EVENT.
log_ms() {
  grep -m 1 " event=$2 " "$OUT/$1" | sed 's/^ts=[0-9-]*T\([0-9:.]*\)Z .*/\1/' |
    awk -F: '{ printf "%d", ($1 * 3600 + $2 * 60 + $3) * 1000 }'
}

# call SOCK WANT METHOD PATH [curl args...]: prints curl's time_total in ms; fails on another status.
call() {
  local sock=$1 want=$2 method=$3 path=$4 out
  shift 4
  out=$(curl -sS --unix-socket "$sock" -X "$method" -o "$work/body" \
    -w '%{http_code} %{time_total}' "http://localhost/v$DOCKER_API_VERSION$path" "$@")
  [[ ${out% *} == "$want" ]] || {
    echo "bench/docker_launch.sh: $method $path: HTTP ${out% *}: $(head -c 300 "$work/body")" >&2
    return 1
  }
  awk -v s="${out#* }" 'BEGIN { printf "%.1f", s * 1000 }'
}

# bare_start SOCK NAME: create + start + inspect (until running) the way ringside does; prints
# "create_ms start_ms inspect_ms".
bare_start() {
  local sock=$1 name=$2 c s i=0 t
  c=$(call "$sock" 201 POST "/containers/create?name=$name" -H 'Content-Type: application/json' \
    --data-binary "{\"Image\":\"$GAME_IMAGE\",\"Labels\":{\"ringside.session\":\"$name\",
      \"ringside.player\":\"bench\",\"ringside.game\":\"test-game\"},\"HostConfig\":{
      \"Memory\":$((GAME_MEMORY_MB << 20)),\"NanoCpus\":$((millicores * 1000000))}}")
  s=$(call "$sock" 204 POST "/containers/$name/start")
  while :; do
    t=$(call "$sock" 200 GET "/containers/$name/json")
    i=$(awk -v a="$i" -v b="$t" 'BEGIN { printf "%.1f", a + b }')
    grep -q '"Running":true' "$work/body" && break
  done
  echo "$c $s $i"
}

bare_remove() {
  call "$1" 204 POST "/containers/$2/stop?t=2" >/dev/null
  call "$1" 204 DELETE "/containers/$2?force=true&v=true" >/dev/null
}

# ttr NAME FILTER: jq FILTER applied to storm run NAME's time-to-running figures (ms).
ttr() { jq -r ".timeToRunningMs | $2" "$OUT/$1.json"; }

say "machine: $(nproc) cpu ($(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))," \
  "kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "engines: ${#hosts[@]}, $(grep -o 'up in [0-9.]* s: .*' "$OUT/docker-env.log" || true)"

# 1: ringside's first launch: the image is on no engine.
start_ringside ringside-1.log
storm pull --burst 1 --poll-interval 0.005 --play-time 1
pull_started=$(log_ms ringside-1.log docker_pull_started)
pulled=$(log_ms ringside-1.log docker_pulled)
running=$(log_ms ringside-1.log docker_running)
pull_engine=$(grep -m 1 ' event=docker_pulled ' "$OUT/ringside-1.log" | grep -o 'server=docker[0-9]*')
pull_engine=${pull_engine#server=docker}
say "ringside first launch (pull on docker$pull_engine): launch to running $(ttr pull '.max|round') ms" \
  "(storm, polls every 5 ms); from ringside's log: pull $((pulled - pull_started)) ms," \
  "pulled to running $((running - pulled)) ms; stop $(jq -r '.endpoints.stop.latencyMs.max | floor' \
    "$OUT/pull.json") ms"
# A new ringside for every step: the first ended session replaces the game's resource profile
# (memoryMb, cpuCores) with what it measured, and the tiny test game's peak memory is below
# Docker's 6 MB minimum, so every later create would fail (HTTP 400). No session ends before
# the last launch of a step below.
stop_process "$PID"
PID=""

# 2: ringside, cached launches 5 s apart (a start takes 2-4 s on the development VM, and
# starts that overlap slow each other down), each playing until the last has started.
start_ringside ringside-2.log
storm cached --rate 12/min --launches "$CACHED_RUNS" --poll-interval 0.005 \
  --play-time $((CACHED_RUNS * 5 + 5))
stop_process "$PID"
PID=""
say "ringside cached launch to running, $CACHED_RUNS launches 5 s apart (ms):" \
  "$(ttr cached '"min \(.min|round) p50 \(.p50|round) mean \(.mean|round) max \(.max|round)"')"

# 3: the bare calls on the engine that has not pulled yet.
other=$((pull_engine == 1 ? 2 : 1))
sock=${hosts[$((other - 1))]#unix://}
pull_ms=$(call "$sock" 200 POST "/images/create?fromImage=$repo&tag=$tag")
! grep -q '"error"' "$work/body" || {
  echo "bench/docker_launch.sh: bare pull failed: $(cat "$work/body")" >&2
  exit 1
}
read -r c s i <<<"$(bare_start "$sock" bench-bare-0)"
say "bare first launch on docker$other: pull $pull_ms + create $c + start $s + inspect $i =" \
  "$(awk -v a="$pull_ms" -v b="$c" -v d="$s" -v e="$i" 'BEGIN { printf "%.1f", a + b + d + e }') ms"
bare_remove "$sock" bench-bare-0
for ((n = 1; n <= CACHED_RUNS; n++)); do
  read -r c s i <<<"$(bare_start "$sock" "bench-bare-$n")"
  echo "$c $s $i"
done >"$OUT/bare-cached.txt"
for ((n = 1; n <= CACHED_RUNS; n++)); do bare_remove "$sock" "bench-bare-$n"; done
say "bare cached launch to running, $CACHED_RUNS one after another, create + start + inspect" \
  "(ms): $(awk '{ t = $1 + $2 + $3; c += $1; s += $2; i += $3; print t }
    END { printf "create %.1f start %.1f inspect %.1f\n", c / NR, s / NR, i / NR > "/dev/stderr" }' \
    "$OUT/bare-cached.txt" 2>"$work/split" | sort -n |
    awk '{ v[NR] = $1; sum += $1 } END { printf "min %.0f p50 %.0f mean %.0f max %.0f", v[1],
      v[int((NR + 1) / 2)], sum / NR, v[NR] }'); mean per call: $(cat "$work/split")"

# 4: a burst through ringside, both engines holding the image.
start_ringside ringside-3.log
cpu0=$(cpu_ticks "$PID")
storm burst --burst "$BURST" --poll-interval 0.02 --play-time 2
cpu1=$(cpu_ticks "$PID")
stop_process "$PID"
PID=""
all_running=$(ttr burst .max)
say "ringside burst of $BURST: all running after $(ttr burst '.max|round') ms (p50" \
  "$(ttr burst '.p50|round') ms, polls every 20 ms) =" \
  "$(awk -v n="$BURST" -v t="$all_running" 'BEGIN { printf "%.1f", n * 1000 / t }') launches/s;" \
  "per engine: $(grep ' event=docker_running ' "$OUT/ringside-3.log" | grep -o 'server=docker[0-9]*' |
    cut -d= -f2 | sort | uniq -c | awk '{ printf "%s %s ", $2, $1 }');" \
  "stops p50 $(jq -r '.endpoints.stop.latencyMs.p50 | floor' "$OUT/burst.json") ms," \
  "max $(jq -r '.endpoints.stop.latencyMs.max | floor' "$OUT/burst.json") ms;" \
  "ringside CPU over the burst (launch, polls, stop) $(((cpu1 - cpu0) * 1000 / $(getconf CLK_TCK))) ms"

# 5: the same burst as bare calls, all at once, half on each engine (curl on CLIENT_CPU).
started=${EPOCHREALTIME/./}
for ((n = 0; n < BURST; n++)); do
  sock=${hosts[$((n % 2))]#unix://}
  # shellcheck disable=SC2030,SC2031 # each call's own answer file, in its own subshell
  (
    taskset -p -c "$CLIENT_CPU" "$BASHPID" >/dev/null
    work=$work/burst-$n
    mkdir -p "$work"
    bare_start "$sock" "bench-burst-$n" >/dev/null
  ) &
done
wait
bare_all=$(((${EPOCHREALTIME/./} - started) / 1000))
say "bare burst of $BURST (curl, one process per call, all at once): all running after" \
  "$bare_all ms = $(awk -v n="$BURST" -v t="$bare_all" 'BEGIN { printf "%.1f", n * 1000 / t }') launches/s"
for ((n = 0; n < BURST; n++)); do
  # shellcheck disable=SC2031
  (
    work=$work/burst-$n
    bare_remove "${hosts[$((n % 2))]#unix://}" "bench-burst-$n"
  ) &
done
wait

# 6: warm pools. Every launch below polls its status every 2 ms: launch to running is then
# measured to within 2 ms, and a warm take is a few ms.
quantiles() { ttr "$1" '"p50 \(.p50|round) p99 \(.p99|round) max \(.max|round)"'; }

# Ready warm containers, as the operator's view counts them.
warm_ready() {
  curl -sS -H 'Authorization: Bearer bench' "http://127.0.0.1:$PORT/operator/servers" |
    jq '[.servers[].warm] | add'
}
wait_warm() {
  local want=$1 deadline=$((SECONDS + 180))
  until [[ $(warm_ready) == "$want" ]]; do
    ((SECONDS < deadline)) || {
      echo "bench/docker_launch.sh: the pool did not reach $want warm containers" >&2
      return 1
    }
    sleep 0.2
  done
}
starts_of_kind() {
  curl -sS "http://127.0.0.1:$PORT/metrics" |
    awk -v k="kind=\"$1\"" '$1 ~ /^ringside_launch_starts_total/ && index($1, k) { print $2 }'
}

# 6a: pulled, each launch on engines without the image (a new ringside each time: it learns the
# engines' images when it starts).
for ((n = 1; n <= WARM_RUNS; n++)); do
  for h in "${hosts[@]}"; do /usr/bin/docker -H "$h" rmi -f "$GAME_IMAGE" >/dev/null 2>&1 || true; done
  start_ringside ringside-pulled.log
  storm "pulled-$n" --burst 1 --poll-interval 0.002 --play-time 0.5
  stop_process "$PID"
  PID=""
done
jq -s '{timeToRunningMs: (map(.timeToRunningMs.max) | sort |
  {p50: .[(length - 1) / 2 | floor], p99: .[(length * 0.99 | ceil) - 1], max: .[-1]})}' \
  "$OUT"/pulled-*.json >"$OUT/pulled.json"
say "6. launch to running, $WARM_RUNS launches of each kind (ms, status polled every 2 ms):"
say "   pulled: $(quantiles pulled) (image removed from the engines before each)"

# 6b: cached, one launch every 4 s (starts that overlap slow each other down).
SLOTS=$((WARM_RUNS + WARM_POOL + 1)) start_ringside ringside-cached.log
storm cached-kind --rate 15/min --launches "$WARM_RUNS" --poll-interval 0.002 \
  --play-time $((WARM_RUNS * 4 + 5))
stop_process "$PID"
PID=""
say "   cached: $(quantiles cached-kind)"

# 6c: warm, a pool of WARM_POOL, one launch every 4 s (the pool refills between launches).
write_catalog "$work/catalog-warm.json" "$WARM_POOL"
CATALOG=$work/catalog-warm.json SLOTS=$((WARM_RUNS + WARM_POOL + 1)) start_ringside ringside-warm.log
wait_warm "$WARM_POOL"
storm warm-kind --rate 15/min --launches "$WARM_RUNS" --poll-interval 0.002 \
  --play-time $((WARM_RUNS * 4 + 5))
say "   warm:   $(quantiles warm-kind) ($(starts_of_kind warm) of $WARM_RUNS took a warm" \
  "container, pool $WARM_POOL)"
stop_process "$PID"
PID=""

# 6d: a burst as large as the pool, after the idle pool's cost on the engines: the warm
# containers' CPU and memory as the engines count them (docker stats), and the containerd shim
# each one has beside it.
write_catalog "$work/catalog-burst.json" "$BURST"
CATALOG=$work/catalog-burst.json SLOTS=$((BURST + 2)) start_ringside ringside-warm-burst.log
fill_started=$SECONDS
wait_warm "$BURST"
fill_s=$((SECONDS - fill_started))
idle_cpu=0 idle_mem=0
for h in "${hosts[@]}"; do
  read -r c m < <(/usr/bin/docker -H "$h" stats --no-stream --format '{{.CPUPerc}} {{.MemUsage}}' |
    awk '{ gsub("%", "", $1); c += $1; v = $2; u = v; gsub(/[0-9.]/, "", u); gsub(/[A-Za-z]/, "", v)
           m += v * (u == "GiB" ? 1024 : u == "MiB" ? 1 : u == "KiB" ? 1 / 1024 : 1 / 1048576) }
         END { printf "%.2f %.2f\n", c, m }')
  idle_cpu=$(awk -v a="$idle_cpu" -v b="$c" 'BEGIN { print a + b }')
  idle_mem=$(awk -v a="$idle_mem" -v b="$m" 'BEGIN { print a + b }')
done
shim_kb=$(ps -C containerd-shim-runc-v2 -o rss= | awk '{ s += $1 } END { print s + 0 }')
say "   idle pool of $BURST (filled in $fill_s s): CPU $idle_cpu % of a core in all; memory" \
  "$(awk -v m="$idle_mem" -v n="$BURST" 'BEGIN { printf "%.2f MiB (%.2f per container)", m, m / n }')" \
  "as docker stats counts it; containerd shims $((shim_kb / 1024)) MiB RSS" \
  "($(awk -v k="$shim_kb" -v n="$BURST" 'BEGIN { printf "%.1f", k / 1024 / n }') MiB per container)"
storm warm-burst --burst "$BURST" --poll-interval 0.002 --play-time 2
say "   burst of $BURST on a pool of $BURST: all running after $(ttr warm-burst '.max|round') ms" \
  "(p50 $(ttr warm-burst '.p50|round') ms; $(starts_of_kind warm) warm)"
stop_process "$PID"
PID=""
