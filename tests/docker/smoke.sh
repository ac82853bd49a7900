#!/usr/bin/env bash
# Smoke test of the Docker test environment (tools/docker-env, docs/docker-test-env.md).
# Starts it, then on every engine, through the Engine API over its unix socket: pull the game
# image from the local registry, create a labelled, memory-limited container, put a save into
# it, run it, read its stats and its save back, list it by label, stop and remove it. Tears
# everything down and prints PASS or FAIL. Needs root; takes about 20 s.
# KEEP_DOCKER_ENV=1 leaves the environment running (its directory is printed).
set -euo pipefail
cd "$(dirname "$0")/../.."

readonly MEMORY_LIMIT=$((64 * 1024 * 1024))
readonly SAVED_TICK=41

env_dir=$(mktemp -d /tmp/ringside-docker.XXXXXX)
work=$(mktemp -d /tmp/ringside-smoke.XXXXXX)

# Seconds since START (an $EPOCHREALTIME), with one decimal.
seconds_since() {
  local us=$((${EPOCHREALTIME/./} - ${1/./}))
  printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10))
}

finish() {
  local rc=$? started=$EPOCHREALTIME
  if [[ ${KEEP_DOCKER_ENV:-0} == 1 ]]; then
    echo "environment kept: tools/docker-env down $env_dir"
  else
    tools/docker-env down "$env_dir"
    echo "down: $(seconds_since "$started") s"
  fi
  rm -rf "$work"
  if ((rc == 0)); then echo PASS; else echo FAIL; fi
  exit "$rc"
}
trap finish EXIT

fail() {
  echo "failed: $*" >&2
  exit 1
}

# req WANT METHOD PATH [curl args...]: the answer's body on stdout; fails on any other status.
req() {
  local want=$1 method=$2 path=$3 code
  shift 3
  code=$(curl -sS --unix-socket "$sock" -X "$method" -o "$work/body" -w '%{http_code}' \
    "http://localhost/v$DOCKER_API_VERSION$path" "$@") || fail "$method $path: curl failed"
  [[ $code == "$want" ]] || fail "$method $path: HTTP $code, want $want: $(head -c 300 "$work/body")"
  cat "$work/body"
}

# The first number after "KEY": in JSON text on stdin (the answers read here are flat enough).
json_num() {
  grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

started=$EPOCHREALTIME
tools/docker-env up "$env_dir" 2 >"$work/env"
echo "up: $(seconds_since "$started") s"
set -a
# shellcheck source=/dev/null
. "$work/env"
set +a
cat "$work/env"
IFS=, read -r -a hosts <<<"$DOCKER_HOSTS"
((${#hosts[@]} == 2)) || fail "want 2 engines, got DOCKER_HOSTS=$DOCKER_HOSTS"
repo=${GAME_IMAGE%:*}
tag=${GAME_IMAGE##*:}

sock=${hosts[0]#unix://}
info=$(req 200 GET /info)
echo "engine $(req 200 GET /version | grep -o '"Version":"[^"]*"' | head -n 1)," \
  "API $DOCKER_API_VERSION, cgroup v$(grep -o '"CgroupVersion":"[0-9]*"' <<<"$info" | tr -dc 0-9)," \
  "driver $(grep -o '"CgroupDriver":"[a-z]*"' <<<"$info" | cut -d'"' -f4)," \
  "storage $(grep -o '"Driver":"[a-z0-9]*"' <<<"$info" | head -n 1 | cut -d'"' -f4)"
echo "/v1.43 answers: $(curl -s --unix-socket "$sock" http://localhost/v1.43/version)"

printf 'tick %d 0\n' "$SAVED_TICK" >"$work/progress.txt"
tar -C "$work" -cf "$work/save.tar" progress.txt

ids=()
for i in "${!hosts[@]}"; do
  sock=${hosts[$i]#unix://}
  req 200 GET /images/json | grep -qF "\"$GAME_IMAGE\"" && fail "engine $i already has $GAME_IMAGE"
  pull_started=$EPOCHREALTIME
  req 200 POST "/images/create?fromImage=$repo&tag=$tag" >"$work/pull"
  grep -q '"error"' "$work/pull" && fail "pull on engine $i: $(cat "$work/pull")"
  req 200 GET "/images/$GAME_IMAGE/json" >/dev/null
  echo "engine $i: pulled $GAME_IMAGE in $(seconds_since "$pull_started") s"

  id=$(req 201 POST "/containers/create?name=ringside-smoke-$i" \
    -H 'Content-Type: application/json' --data-binary @- <<EOF | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4
{"Image": "$GAME_IMAGE",
 "Labels": {"ringside.session": "s-smoke-$i", "ringside.player": "p-smoke",
            "ringside.game": "test-game"},
 "Env": ["BURN_MS=300"],
 "HostConfig": {"Memory": $MEMORY_LIMIT, "NetworkMode": "none"}}
EOF
  )
  [[ -n $id ]] || fail "create on engine $i returned no Id"
  req 200 PUT "/containers/$id/archive?path=$GAME_SAVE_DIR" \
    -H 'Content-Type: application/x-tar' --data-binary "@$work/save.tar" >/dev/null
  req 204 POST "/containers/$id/start" >/dev/null
  ids+=("$id")
done

sleep 3

for i in "${!hosts[@]}"; do
  sock=${hosts[$i]#unix://}
  id=${ids[$i]}
  stats=$(req 200 GET "/containers/$id/stats?stream=false")
  memory=$(grep -o '"memory_stats":{.*' <<<"$stats")
  cpu_ns=$(json_num total_usage <<<"$stats")
  limit=$(grep -o '"limit":[0-9]*}' <<<"$memory" | tr -dc 0-9)
  echo "engine $i: cpu total_usage $((cpu_ns / 1000000)) ms," \
    "percpu_usage $(grep -q '"percpu_usage"' <<<"$stats" && echo present || echo absent);" \
    "memory usage $(json_num usage <<<"$memory")," \
    "max_usage $(grep -q '"max_usage"' <<<"$memory" && json_num max_usage <<<"$memory" || echo absent)," \
    "limit $limit"
  echo "engine $i: memory_stats.stats keys:" \
    "$(grep -o '"stats":{[^}]*}' <<<"$memory" | grep -o '[{,]"[a-z_]*"' | tr -d '{,"' | tr '\n' ' ')"
  ((cpu_ns > 100000000)) || fail "engine $i: under 100 ms of CPU in 3 s; the game should burn ~30%"
  ((limit == MEMORY_LIMIT)) || fail "engine $i: memory limit $limit, want $MEMORY_LIMIT"

  req 200 GET "/containers/$id/archive?path=$GAME_SAVE_DIR" >"$work/save-out.tar"
  rm -rf "$work/out" && mkdir "$work/out"
  tar -C "$work/out" -xf "$work/save-out.tar"
  save=$work/out/${GAME_SAVE_DIR##*/}/progress.txt
  [[ -f $save ]] || fail "engine $i: no progress.txt in the archive of $GAME_SAVE_DIR"
  last=$(tail -n 1 "$save" | cut -d' ' -f2)
  echo "engine $i: save went from tick $SAVED_TICK to tick $last ($(wc -l <"$save") lines)"
  [[ $(head -n 1 "$save") == "tick $SAVED_TICK 0" ]] || fail "engine $i: the restored save is gone"
  ((last > SAVED_TICK + 1)) || fail "engine $i: the game did not continue the save"

  filter='filters={"label":["ringside.session"]}'
  listed=$(req 200 GET /containers/json -G --data-urlencode "$filter" | grep -o '"Id":"[0-9a-f]*"')
  [[ $listed == "\"Id\":\"$id\"" ]] || fail "engine $i: label filter listed: $listed"
  req 200 GET /containers/json -G --data-urlencode "filters={\"label\":[\"ringside.session=s-smoke-$i\"]}" |
    grep -qF "$id" || fail "engine $i: not listed by its session label"

  stop_started=$EPOCHREALTIME
  req 204 POST "/containers/$id/stop?t=5" >/dev/null
  state=$(req 200 GET "/containers/$id/json" | grep -o '"State":{[^}]*}')
  grep -q '"Running":false' <<<"$state" || fail "engine $i: still running after stop: $state"
  echo "engine $i: stopped in $(seconds_since "$stop_started") s, exit code $(json_num ExitCode <<<"$state")"
  req 204 DELETE "/containers/$id" >/dev/null
  req 200 GET /containers/json -G --data-urlencode all=1 --data-urlencode "$filter" |
    grep -qF "$id" && fail "engine $i: container still listed after remove"
  echo "engine $i: ok"
done
