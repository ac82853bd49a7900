#!/usr/bin/env bash
# bench/poll.sh with the operator side busy (issue 17): most sessions queued, the queue moving
# and webhooks flowing while the status polls are measured.
#
# 64 simulated servers of BUSY_SLOTS (default 10) slots each hold 640 sessions; the other
# SESSIONS (default 50000) wait in the queue, so most polls answer queuePosition and
# estimatedStartSeconds. --max-session-seconds BUSY_LIMIT (default 5) ends the running ones,
# the queue moves, and each start and end is a webhook event POSTed to bench/raw_uring_responder
# (a receiver that answers 200 at once): 2 x 640 / BUSY_LIMIT events/s, flowing for the whole
# run. Compare ringside's CPU per request with the raw responder's, as bench/poll.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
. bench/lib.sh
export SESSIONS=${SESSIONS:-50000}
slots=${BUSY_SLOTS:-10}
limit=${BUSY_LIMIT:-5}
dir=$(mktemp -d)
rport=$(free_port)
"$BUILD_DIR/bench/raw_uring_responder" "$rport" >/dev/null 2>&1 &
receiver=$!
trap 'kill $receiver 2>/dev/null || true; rm -rf "$dir"' EXIT
wait_for_port "$receiver" "$rport"
echo "bench-secret" >"$dir/secret"
export POLL_EXTRA_ARGS="--sim-slots-per-server $slots --max-session-seconds $limit \
  --webhook-url http://127.0.0.1:$rport/hook --webhook-secret-file $dir/secret"
bench/poll.sh
