#!/usr/bin/env bash
# Launches/s with PostgreSQL vs the memory store (issue 5): ringside with the simulated fleet
# (short pulls and starts, ample slots, a launch budget that never binds), once per store and
# offered rate; tools/storm offers launches open loop. With PostgreSQL, pg_stat_database's
# xact_commit before and after each storm gives the commits those launches cost (group commit).
# A throwaway cluster (tools/pg-env) is started for the run and removed after it.
#   bench/pg_launches.sh       (PG_RATES="2000 5000" PG_SECONDS=10 STORES="memory pg" PG_CPU=0)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

B=${BUILD_DIR:-build}
RATES=${PG_RATES:-2000 5000}
RUN_SECONDS=${PG_SECONDS:-10}
STORES=${STORES:-memory pg}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
# PostgreSQL's cores: by default ringside's, so the server side of a launch gets one core in
# all, as with the memory store.
PG_CPU=${PG_CPU:-$SERVER_CPU}
OUT=${RESULTS_DIR:-bench/results/pg-launches-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[[ -x $B/ringside && -x $B/tools/storm ]] || {
  echo "bench/pg_launches.sh: build $B/ringside and $B/tools/storm first" >&2
  exit 1
}

work=$(mktemp -d /tmp/ringside-bench-pg.XXXXXX)
PID=""
finish() {
  [[ -z $PID ]] || stop_process "$PID"
  [[ ! -e $work/pg ]] || tools/pg-env down "$work/pg"
  rm -rf "$work"
}
trap finish EXIT

SIM_FLAGS=(--operator-key storm --launch-budget 1000000/s --launch-queue 1000000
  --sim-servers 64 --sim-slots-per-server 100000 --sim-server-cpu 100000000
  --sim-server-memory-mb 100000000 --sim-pull-ms 50 --sim-start-ms 20
  --token-secret-file "$work/token.secret")

# Starts ringside on SERVER_CPU with the given extra flags; sets PORT and PID.
start_ringside() {
  for _ in 1 2 3; do
    PORT=$(free_port)
    taskset -c "$SERVER_CPU" "$B/ringside" --listen "127.0.0.1:$PORT" --shards 1 \
      --log-level warn "${SIM_FLAGS[@]}" "$@" >/dev/null 2>>"$OUT/ringside.log" &
    PID=$!
    wait_for_port "$PID" "$PORT" && return 0
  done
  echo "bench/pg_launches.sh: ringside did not start, see $OUT/ringside.log" >&2
  return 1
}

# "COMMITS ROWS": transactions committed in the database, and rows inserted or updated in its
# tables (each launch flow writes several: token session, player, session, its changes, stop).
commits_and_rows() {
  psql "$DATABASE_URL" -AtF ' ' -c "SELECT xact_commit, (SELECT sum(n_tup_ins + n_tup_upd)
    FROM pg_stat_user_tables) FROM pg_stat_database WHERE datname = 'ringside'"
}

# The postmaster and every process it has: the server side of the store.
pg_pids() {
  local pm
  pm=$(head -n 1 "$work/pg/cluster/data/postmaster.pid")
  echo "$pm"
  cat /proc/"$pm"/task/*/children 2>/dev/null || true
}

if [[ " $STORES " == *" pg "* ]]; then
  tools/pg-env up "$work/pg" >/dev/null
  DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$work/pg/env")
  # Backends forked later inherit the postmaster's affinity.
  for p in $(pg_pids); do taskset -a -p -c "$PG_CPU" "$p" >/dev/null; done
fi

postmaster_cpu() { cpu_ticks "$(head -n 1 "$work/pg/cluster/data/postmaster.pid")"; }

# Counters are read with ringside stopped: its database connections have ended, so everything
# they did is in the statistics (a live backend reports to them up to 10 s late). What a start
# and a stop cost alone (migration check, catalog, state load, final write-back) is measured
# once and taken off.
idle_commits=0 idle_rows=0
if [[ " $STORES " == *" pg "* ]]; then
  read -r c0 r0 <<<"$(commits_and_rows)"
  start_ringside --database-url "$DATABASE_URL"
  stop_process "$PID"
  PID=""
  read -r c1 r1 <<<"$(commits_and_rows)"
  idle_commits=$((c1 - c0)) idle_rows=$((r1 - r0))
  echo "ringside start + stop alone: $idle_commits commits, $idle_rows rows" >"$OUT/idle.txt"
fi

hz=$(getconf CLK_TCK)
FORMAT='%-6s %9s %8s %8s %6s %8s %8s %8s %8s %7s %7s %6s %7s %10s %6s\n'
# shellcheck disable=SC2059 # the format is a constant
printf "$FORMAT" store offered/s accepted answered/s errors op_p99 p50_ms p99_ms max_ms gen_p99 \
  rs_us/l pg_us/l commits launches/c rows/c |
  tee "$OUT/table.txt"
for store in $STORES; do
  for rate in $RATES; do
    name=$store-$rate
    extra=()
    [[ $store == pg ]] && extra=(--database-url "$DATABASE_URL")
    [[ $store == pg ]] && read -r commits0 rows0 <<<"$(commits_and_rows)" && pg_cpu0=$(postmaster_cpu)
    start_ringside "${extra[@]}"
    cpu0=$(cpu_ticks "$PID")
    taskset -c "$CLIENT_CPU" "$B/tools/storm" --target "127.0.0.1:$PORT" --operator-key storm \
      --rate "$rate" --duration "$RUN_SECONDS" --poll-interval 2 --play-time 5 \
      --connections 512 --quiet --json "$OUT/$name.json" >"$OUT/$name.txt" 2>&1 ||
      echo "bench/pg_launches.sh: $name: storm reports lost launches (see $OUT/$name.txt)" >&2
    cpu1=$(cpu_ticks "$PID")
    stop_process "$PID"
    PID=""
    accepted=$(jq '.accounting.accepted' "$OUT/$name.json")
    commits=- per_commit=- rows_per_commit=- pg_cpu=0 # "-": no database
    if [[ $store == pg ]]; then
      read -r commits1 rows1 <<<"$(commits_and_rows)"
      # The PostgreSQL side of ringside's start and stop is in here; it is small next to a run.
      pg_cpu=$(($(postmaster_cpu) - pg_cpu0))
      commits=$((commits1 - commits0 - idle_commits))
      per_commit=$(awk -v a="$accepted" -v c="$commits" 'BEGIN { printf "%.1f", c ? a / c : 0 }')
      rows_per_commit=$(awk -v r=$((rows1 - rows0 - idle_rows)) -v c="$commits" \
        'BEGIN { printf "%.1f", c ? r / c : 0 }')
    fi
    # answered/s: accepted launches over the time from the first launch's slot to the last
    # answer (at most the last slot plus the slowest launch answer); below the offered rate when
    # launches queue. Server CPU per accepted launch, ringside's and PostgreSQL's, covers the
    # whole flow of each launch: token, launch, polls, stop.
    jq -r --arg store "$store" --arg rate "$rate" --arg commits "$commits" \
      --arg per "$per_commit" --arg rows "$rows_per_commit" --argjson hz "$hz" \
      --argjson rs_ticks $((cpu1 - cpu0)) --argjson pg_ticks "$pg_cpu" '
      def r2: . * 100 | round / 100;
      def per_launch(t): if .accounting.accepted > 0
        then t * 1e6 / $hz / .accounting.accepted | round else 0 end;
      .endpoints.launch.latencyMs as $l
      | [$store, $rate, .accounting.accepted,
         (.accounting.accepted / (.offeredSeconds + $l.max / 1000) | floor),
         ([.endpoints[].errors] | add), (.endpoints["operator-launch"].latencyMs.p99 | r2),
         ($l.p50 | r2), ($l.p99 | r2), ($l.max | r2), (.generatorLagMs.p99 | r2),
         per_launch($rs_ticks), per_launch($pg_ticks), $commits, $per, $rows]
      | map(tostring) | join(" ")' "$OUT/$name.json" |
      xargs printf "$FORMAT" | tee -a "$OUT/table.txt"
  done
done
echo "bench/pg_launches.sh: reports in $OUT" >&2
