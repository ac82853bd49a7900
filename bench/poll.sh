#!/usr/bin/env bash
# Authenticated status polls against SESSIONS live sessions (default 100k), ringside against
# nginx `return 200` and the raw io_uring responder, with bench/wrk.sh's method and table.
# Also prints ringside's memory per idle session (RSS growth while seeding / sessions).
# POLL_EXTRA_ARGS: more ringside arguments, after (so overriding) the ones below.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
SESSIONS=${SESSIONS:-100000}
RESULTS_DIR=${RESULTS_DIR:-bench/results/poll-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS_DIR"
[ -x "$BUILD_DIR/bench/seed_sessions" ] || tools/build >/dev/null
export RESULTS_DIR BUILD_DIR
export SESSIONS_FILE=$RESULTS_DIR/sessions.txt
export PATH_UNDER_TEST=/api/game/session-status
export WRK_SCRIPT=bench/poll.lua
# Room for every session on the simulated fleet, no rate limit in the way, nothing expiring.
export RINGSIDE_ARGS="--operator-key bench --launch-budget 10000000/s \
  --launch-rate-per-player 100/s --launch-queue 1000000 --sim-servers 64 \
  --sim-slots-per-server 100000 --sim-server-cpu 100000000 --sim-server-memory-mb 100000000 \
  --sim-pull-ms 1 --sim-start-ms 1 --session-idle-timeout 86400 --token-ttl 86400 \
  ${POLL_EXTRA_ARGS:-}"
export RINGSIDE_SETUP="
  rss() { awk '/^VmRSS/ {print \$2}' /proc/\$SERVER_PID/status; }
  before=\$(rss)
  $BUILD_DIR/bench/seed_sessions \$PORT bench $SESSIONS \$SESSIONS_FILE
  sleep 1
  after=\$(rss)
  echo \"memory per session: \$(( (after - before) * 1024 / $SESSIONS )) bytes \
(RSS \$before -> \$after KiB for $SESSIONS sessions)\" | tee $RESULTS_DIR/memory.txt >&2"
exec bench/wrk.sh
