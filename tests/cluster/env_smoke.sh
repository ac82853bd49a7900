#!/usr/bin/env bash
# tools/cluster-env end to end: 3 nodes behind HAProxy on one PostgreSQL. Requests through the
# balancer reach every node (each node's own request counter), an operator launch through it
# answers with a token and a launch URL on the balancer, a player launch answers 202 and its
# status poll 200, stop-node / start-node / add-node do what they say, and down leaves no
# process and no directory behind. Prints PASS or FAIL.
#   tests/cluster/env_smoke.sh RINGSIDE_BINARY
#
# The player journey goes through the balancer: each request lands on any node, which forwards
# it to the node that owns the player. The cluster journeys (failures) are journeys.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
ringside=$(realpath "$1")
export BUILD_DIR=${ringside%/*}
env=tools/cluster-env

dir=$(mktemp -d /tmp/ringside-cluster.XXXXXX)
downed=0
finish() {
  local rc=$?
  ((downed)) || "$env" down "$dir" || true
  if ((rc == 0)); then echo PASS; else echo FAIL; fi
  exit "$rc"
}
trap finish EXIT

fail() {
  echo "failed: $*" >&2
  exit 1
}

load_env() {
  # shellcheck source=/dev/null
  . "$dir/env"
}

node_url() {
  local var=NODE_${1}_URL
  echo "${!var}"
}

node_pid() {
  local var=NODE_${1}_PID
  echo "${!var}"
}

# GET /healthz answered 200 by node I, from its own /metrics.
healthz_count() {
  curl -sf "$(node_url "$1")/metrics" |
    awk '$1 == "ringside_http_requests_total{route=\"/healthz\",status=\"200\"}" { n = $2 }
      END { print n + 0 }'
}

# Sends COUNT GET /healthz through the balancer; every one must answer 200.
through_balancer() {
  local count=$1 code k
  for ((k = 0; k < count; k++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$RINGSIDE_URL/healthz")
    [[ $code == 200 ]] || fail "GET /healthz through the balancer: HTTP $code"
  done
}

# The /healthz counts of nodes I... into ARRAY[I] (ARRAY: before or after).
before=()
after=()
snapshot() {
  local array=$1 i
  shift
  for i; do printf -v "${array}[$i]" '%s' "$(healthz_count "$i")"; done
}

haproxy_status() {
  echo "show stat" | socat -t 5 stdio "unix-connect:$HAPROXY_SOCKET" |
    awk -F, -v name="node-$1" '$1 == "nodes" && $2 == name { print $18 }'
}

wait_haproxy_status() {
  local i=$1 want=$2 deadline=$((SECONDS + 15))
  until [[ $(haproxy_status "$i") == "$want" ]]; do
    ((SECONDS < deadline)) || fail "HAProxy shows node-$i $(haproxy_status "$i"), want $want"
    sleep 0.2
  done
}

# True while PID runs (a zombie has exited; only its parent has not reaped it yet).
alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

process_state() {
  awk '{ print $3 }' "/proc/$1/stat"
}

# POST /operator/launch on BASE for PLAYER; prints the answer's body, fails unless 200.
operator_launch() {
  local base=$1 player=$2 answer
  answer=$(curl -s -w '\n%{http_code}' -X POST "$base/operator/launch" \
    -H "Authorization: Bearer $RINGSIDE_OPERATOR_KEY" \
    -d "{\"playerId\": \"$player\", \"gameSlug\": \"tlon-uqbar\"}")
  [[ ${answer##*$'\n'} == 200 ]] || fail "operator launch on $base: $answer"
  echo "${answer%$'\n'*}"
}

field() {
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

"$env" up "$dir" 3 >/dev/null
load_env
((NODE_COUNT == 3)) || fail "NODE_COUNT=$NODE_COUNT, want 3"
echo "up: balancer $RINGSIDE_URL, nodes $NODE_1_URL $NODE_2_URL $NODE_3_URL"

# Round-robin: every node answers some of 30 requests, and together exactly the 30.
snapshot before 1 2 3
through_balancer 30
snapshot after 1 2 3
total=0
for i in 1 2 3; do
  served=$((after[i] - before[i]))
  echo "node-$i served $served of 30"
  ((served > 0)) || fail "node-$i served none of 30 requests through the balancer"
  total=$((total + served))
done
((total == 30)) || fail "the nodes served $total requests, 30 were sent"

# The operator launch through the balancer: a token, and a launch URL on the balancer.
body=$(operator_launch "$RINGSIDE_URL" player-one)
token=$(field sessionToken <<<"$body")
[[ -n $token ]] || fail "no sessionToken in $body"
[[ $(field launchUrl <<<"$body") == "$RINGSIDE_URL/play/"* ]] || fail "launch URL not on the balancer: $body"

base=$RINGSIDE_URL
token=$(operator_launch "$base" player-two | field sessionToken)
answer=$(curl -s -w '\n%{http_code}' -X POST "$base/api/game/launch" -H "Authorization: Bearer $token" -d '{}')
[[ ${answer##*$'\n'} == 202 ]] || fail "player launch on $base: $answer"
session=$(field sessionId <<<"${answer%$'\n'*}")
[[ -n $session ]] || fail "no sessionId in $answer"
for k in 1 2 3; do
  answer=$(curl -s -w '\n%{http_code}' "$base/api/game/session-status?sessionId=$session" \
    -H "Authorization: Bearer $token")
  [[ ${answer##*$'\n'} == 200 ]] || fail "status poll $k on $base: $answer"
  [[ $(field sessionId <<<"${answer%$'\n'*}") == "$session" ]] || fail "status poll $k: $answer"
done
echo "journey on $base: launch 202, 3 status polls 200"

# stop-node (SIGTERM): the node exits, the balancer keeps answering with the other two.
old_pid=$NODE_2_PID
"$env" stop-node "$dir" 2
! alive "$old_pid" || fail "node-2 (pid $old_pid) still runs after stop-node"
snapshot before 1 3
through_balancer 12
snapshot after 1 3
((after[1] - before[1] + after[3] - before[3] == 12)) || fail "nodes 1 and 3 did not serve the 12 requests"
wait_haproxy_status 2 DOWN

# start-node: a new process on the same port, and the balancer sends it requests again.
"$env" start-node "$dir" 2 >/dev/null
url=$NODE_2_URL
load_env
[[ $NODE_2_URL == "$url" ]] || fail "node-2 moved from $url to $NODE_2_URL"
[[ $NODE_2_PID != "$old_pid" ]] || fail "node-2 still has pid $old_pid"
alive "$NODE_2_PID" || fail "node-2 did not start again"
wait_haproxy_status 2 UP
snapshot before 2
through_balancer 12
snapshot after 2
((after[2] > before[2])) || fail "the restarted node-2 got no request through the balancer"
echo "node-2: stopped (pid $old_pid gone) and started again (pid $NODE_2_PID), serving"

# kill -9, then start again; SIGSTOP and SIGCONT.
old_pid=$NODE_3_PID
"$env" stop-node "$dir" 3 KILL
! alive "$old_pid" || fail "node-3 survived KILL"
"$env" start-node "$dir" 3 >/dev/null
load_env
alive "$NODE_3_PID" || fail "node-3 did not start after KILL"
"$env" stop-node "$dir" 1 STOP
[[ $(process_state "$NODE_1_PID") == T ]] || fail "node-1 is not stopped after STOP"
"$env" stop-node "$dir" 1 CONT
[[ $(process_state "$NODE_1_PID") != T ]] || fail "node-1 is still stopped after CONT"
echo "node-3 killed and started again; node-1 stopped and continued"

# add-node: node-4 joins the balancer and serves.
"$env" add-node "$dir" >/dev/null
load_env
((NODE_COUNT == 4)) || fail "NODE_COUNT=$NODE_COUNT after add-node, want 4"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$NODE_4_URL/readyz") == 200 ]] || fail "node-4 is not ready"
wait_haproxy_status 4 UP
snapshot before 4
through_balancer 12
snapshot after 4
((after[4] > before[4])) || fail "node-4 got no request through the balancer"
echo "node-4 added and serving"

# down: no process of the environment left, and no directory.
pids=("$HAPROXY_PID" "$NODE_1_PID" "$NODE_2_PID" "$NODE_3_PID" "$NODE_4_PID")
pids+=("$(head -n 1 "$dir/pg/cluster/data/postmaster.pid")")
pg_cluster=$(readlink -f "$dir/pg/cluster")
for pid in "${pids[@]}"; do alive "$pid" || fail "pid $pid is not running before down"; done
"$env" down "$dir"
downed=1
for pid in "${pids[@]}"; do ! alive "$pid" || fail "pid $pid still runs after down"; done
[[ ! -e $dir && ! -e $pg_cluster ]] || fail "down left $dir or $pg_cluster behind"
echo "down: ${#pids[@]} processes gone, directory removed"
