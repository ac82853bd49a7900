#!/usr/bin/env bash
# Failover time (issue 16): 3 nodes behind HAProxy (tools/cluster-env, sim backend). One player
# with a running session is polled through the balancer; KILLS times, `kill -9` the node that
# owns the player's partition (read from pg_locks, as tests/cluster/journeys.py does) and
# measure from the kill to
#   - ok:      the first 200 for the player's token through the balancer (polls sent one after
#              another, each after the kill, so none was answered by the dead node), and
#   - cluster: the first GET /cluster (through the balancer) listing only the 2 survivors,
#              holding all 1024 partitions between them.
# Between kills the node is started again (start-node) and the script waits until GET /cluster
# has shown 3 nodes holding all 1024 for 1.5 s. Prints one line per kill and p50/max.
#   KILLS=10 BUILD_DIR=build bench/cluster_failover.sh
# Resolution: one curl per probe, each a few ms on this machine (see the per-kill probe count).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
KILLS=${KILLS:-10}
RESULTS_DIR=${RESULTS_DIR:-bench/results/cluster-failover-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS_DIR"
export BUILD_DIR
dir=$(mktemp -u /tmp/rs-failover.XXXXXX)
trap 'tools/cluster-env down "$dir" >/dev/null 2>&1 || true' EXIT
tools/cluster-env up "$dir" 3 -- --backend sim --session-idle-timeout 86400 --token-ttl 86400 \
  >/dev/null
set -a
source "$dir/env"
set +a
key=$RINGSIDE_OPERATOR_KEY

now_us() { echo "${EPOCHREALTIME/./}"; }

# GET /cluster through the balancer as "NODES TOTAL" (nodes listed, partitions they hold).
cluster_counts() {
  curl -s --max-time 1 -H "Authorization: Bearer $key" "$RINGSIDE_URL/cluster" |
    grep -o '"partitions":[0-9]*,"lastHeartbeat"' | grep -o '[0-9]*' |
    awk '{ n++; t += $1 } END { if (n) print n, t }'
}

wait_settled() {  # 3 nodes holding all 1024, unchanged for 1.5 s
  local last= since=0 c deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    c=$(cluster_counts)
    if [[ $c != "$last" ]]; then
      last=$c since=$(now_us)
    elif [[ $c == "3 1024" ]] && (($(now_us) - since >= 1500000)); then
      return 0
    fi
    sleep 0.1
  done
  echo "cluster did not settle: $c" >&2
  return 1
}

# The node (index) holding the advisory lock of partition P.
owner() {
  psql "$DATABASE_URL" -Atc "SELECT n.node_id FROM pg_locks l JOIN cluster_nodes n
    ON n.backend_pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = 1380532807
    AND l.granted AND l.objid = $1" | sed 's/^node-//'
}

# One player with a running session.
answer=$(curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"playerId":"failover-bench","gameSlug":"tlon-uqbar"}' "$RINGSIDE_URL/operator/launch")
token=$(sed -n 's/.*"sessionToken":"\([^"]*\)".*/\1/p' <<<"$answer")
[[ -n $token ]] || { echo "operator launch: $answer" >&2; exit 1; }
base32=abcdefghijklmnopqrstuvwxyz234567 # model/ids.h: the token's chars 1-2 name the partition
i1=${base32%%"${token:1:1}"*} i2=${base32%%"${token:2:1}"*}
partition=$((${#i1} * 32 + ${#i2}))
answer=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' \
  "$RINGSIDE_URL/api/game/launch")
session=$(sed -n 's/.*"sessionId":"\([^"]*\)".*/\1/p' <<<"$answer")
[[ -n $session ]] || { echo "launch: $answer" >&2; exit 1; }
poll_url="$RINGSIDE_URL/api/game/session-status?sessionId=$session"
body=$RESULTS_DIR/poll.json
poll() { curl -s -o "$body" -w '%{http_code}' --max-time 2 -H "Authorization: Bearer $token" "$poll_url" || true; }
for _ in $(seq 100); do [[ $(poll) == 200 ]] && break; sleep 0.1; done
echo "player partition $partition, session $session" >"$RESULTS_DIR/player.txt"

# Probes GET /cluster until only 2 nodes hold all 1024; prints microseconds since T0.
watch_cluster() {
  local t0=$1
  until [[ $(cluster_counts) == "2 1024" ]]; do sleep 0.01; done
  echo $(($(now_us) - t0))
}

printf '%-5s %-7s %9s %11s %7s %-9s %s\n' kill node ok_ms cluster_ms probes status non200 |
  tee "$RESULTS_DIR/kills.txt"
for ((k = 1; k <= KILLS; k++)); do
  victim=$(owner "$partition")
  [[ -n $victim ]] || { echo "no owner for partition $partition" >&2; exit 1; }
  t0=$(now_us)
  kill -9 "$(<"$dir/node-$victim.pid")"
  watch_cluster "$t0" >"$RESULTS_DIR/cluster-$k.txt" &
  watcher=$!
  probes=0 others=
  while :; do
    code=$(poll)
    probes=$((probes + 1))
    [[ $code == 200 ]] && break
    others+="$code "
  done
  ok_us=$(($(now_us) - t0))
  wait "$watcher"
  cluster_us=$(<"$RESULTS_DIR/cluster-$k.txt")
  summary=$(tr ' ' '\n' <<<"$others" | sed '/^$/d' | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')
  state=$(grep -o '"status":"[a-z]*"' "$body" | head -n 1 | cut -d'"' -f4)
  printf '%-5s %-7s %9.0f %11.0f %7s %-9s %s\n' "$k" "node-$victim" "$((ok_us / 1000))" \
    "$((cluster_us / 1000))" "$probes" "$state" "${summary:--}" | tee -a "$RESULTS_DIR/kills.txt"
  echo "$ok_us $cluster_us" >>"$RESULTS_DIR/times.txt"
  tools/cluster-env stop-node "$dir" "$victim" KILL >/dev/null 2>&1 || true # reaps/waits
  tools/cluster-env start-node "$dir" "$victim" >/dev/null
  wait_settled
done
sorted() { awk -v c="$1" '{ print $c / 1000 }' "$RESULTS_DIR/times.txt" | sort -n; }
ok=$(sorted 1) cl=$(sorted 2)
mid=$(((KILLS + 1) / 2)) # p50: the lower median of KILLS
printf 'over %d kills: to the first 200 p50 %.0f ms max %.0f ms; to GET /cluster with the survivors holding 1024 p50 %.0f ms max %.0f ms\n' \
  "$KILLS" "$(sed -n "${mid}p" <<<"$ok")" "$(tail -n 1 <<<"$ok")" \
  "$(sed -n "${mid}p" <<<"$cl")" "$(tail -n 1 <<<"$cl")" | tee "$RESULTS_DIR/summary.txt"
