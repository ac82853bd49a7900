#!/usr/bin/env bash
# One-core macro benchmark: ringside against nginx and a raw io_uring responder, in one run.
# Each server runs pinned to one core, wrk to another; the table gives requests/s and the
# server's CPU time per request, read from /proc. See bench/README.md for the method.
#
# Environment (all optional):
#   DURATION=10s                      length of each wrk run
#   TARGETS="ringside nginx raw"      servers to measure, in this order
#   SCENARIOS="c64 c1000 pipe16"      cN: N connections; pipeN: N-deep pipelining
#   PIPE_CONNECTIONS=64               connections for the pipeN scenarios
#   PATH_UNDER_TEST=/healthz          path wrk requests (nginx is configured to answer it)
#   WRK_SCRIPT=file.lua               wrk script for every scenario (headers, tokens); pipeN
#                                     loads it before its own pipelining functions
#   RINGSIDE_ARGS="..."               extra arguments for build/ringside
#   RINGSIDE_SETUP="command"          run after ringside listens, with PORT and SERVER_PID set
#   BUILD_DIR=build                   where ringside and bench/raw_uring_responder are built
#   RESULTS_DIR=bench/results/<time>  where the raw wrk reports and the table go
#   SERVER_CPU=0 CLIENT_CPU=1         the cores for the server and for wrk
# Paths given in the environment are relative to where you run this; the defaults are in the repo.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$REPO/build}")
RESULTS_DIR=$(realpath -m "${RESULTS_DIR:-$REPO/bench/results/$(date +%Y%m%d-%H%M%S)}")
WRK_SCRIPT=${WRK_SCRIPT:-}
if [ -n "$WRK_SCRIPT" ]; then
  [ -f "$WRK_SCRIPT" ] || { echo "bench/wrk.sh: no WRK_SCRIPT '$WRK_SCRIPT'" >&2; exit 1; }
  WRK_SCRIPT=$(realpath "$WRK_SCRIPT")
fi
export WRK_SCRIPT # bench/pipeline.lua loads it
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source bench/lib.sh

DURATION=${DURATION:-10s}
TARGETS=${TARGETS:-ringside nginx raw}
SCENARIOS=${SCENARIOS:-c64 c1000 pipe16}
PIPE_CONNECTIONS=${PIPE_CONNECTIONS:-64}
PATH_UNDER_TEST=${PATH_UNDER_TEST:-/healthz}
RINGSIDE_ARGS=${RINGSIDE_ARGS:-}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
CLK_TCK=$(getconf CLK_TCK)

die() {
  echo "bench/wrk.sh: $*" >&2
  exit 1
}

MAX_CONNECTIONS=$PIPE_CONNECTIONS
for scenario in $SCENARIOS; do
  [[ $scenario =~ ^(c|pipe)[0-9]+$ ]] || die "unknown scenario '$scenario' (cN or pipeN)"
  if [[ $scenario == c* ]] && ((${scenario#c} > MAX_CONNECTIONS)); then
    MAX_CONNECTIONS=${scenario#c}
  fi
done
for target in $TARGETS; do
  case $target in ringside | nginx | raw) ;; *) die "unknown target '$target'" ;; esac
done
command -v wrk >/dev/null || die "wrk is not installed (tools/setup installs it)"

binary_of() {
  case $1 in
    ringside) echo "$BUILD_DIR/ringside" ;;
    raw) echo "$BUILD_DIR/bench/raw_uring_responder" ;;
    nginx) command -v nginx || echo /usr/sbin/nginx ;;
  esac
}
for target in $TARGETS; do
  [ -x "$(binary_of "$target")" ] && continue
  [ "$target" = nginx ] && die "nginx is not installed (tools/setup installs nginx-light)"
  [ "$BUILD_DIR" = "$REPO/build" ] || die "$(binary_of "$target") is missing: build $BUILD_DIR first"
  echo "bench/wrk.sh: $(binary_of "$target") is missing, running tools/build" >&2
  tools/build
done

# 1000 connections need as many descriptors in wrk and in each server.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && (($(ulimit -n) < 2 * MAX_CONNECTIONS + 256)); then
  die "$MAX_CONNECTIONS connections need more open files than ulimit -n allows ($(ulimit -n))"
fi

mkdir -p "$RESULTS_DIR"
TMP_DIR=$(mktemp -d)
RUNNING=() # pids started and not yet stopped
cleanup() {
  local pid
  for pid in "${RUNNING[@]}"; do
    stop_process "$pid"
  done
  cp "$TMP_DIR/nginx/error.log" "$RESULTS_DIR/nginx.error.log" 2>/dev/null || true
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts PROGRAM ARGS... pinned to CORE in the background, output to LOG; sets STARTED_PID.
start_pinned() {
  local core=$1 log=$2
  shift 2
  taskset -c "$core" "$@" >"$log" 2>&1 &
  STARTED_PID=$!
  RUNNING+=("$STARTED_PID")
}

# Forgets PID once it has been reaped, so that cleanup never signals a reused pid.
forget() {
  local pid=$1 kept=() other
  for other in "${RUNNING[@]}"; do
    [ "$other" = "$pid" ] || kept+=("$other")
  done
  RUNNING=("${kept[@]}")
}

stop_pinned() {
  stop_process "$1"
  forget "$1"
}

write_nginx_conf() {
  local port=$1 dir=$TMP_DIR/nginx location=${PATH_UNDER_TEST%%\?*}
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $((2 * MAX_CONNECTIONS + 256)); }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$port;
    location = $location {
      default_type application/json;
      return 200 '{"status":"ok"}';
    }
  }
}
EOF
  cp "$dir/nginx.conf" "$RESULTS_DIR/nginx.conf"
}

# Starts TARGET on PORT pinned to the server core and waits until it accepts; sets SERVER_PID.
# Fails, with the server's log on stderr, if it does not.
start_server() {
  local target=$1 port=$2 log=$RESULTS_DIR/$1.server.log
  local -a command
  case $target in
    ringside)
      read -ra command <<<"$RINGSIDE_ARGS"
      command=("$(binary_of ringside)" --listen "127.0.0.1:$port" --shards 1 --log-level warn
        "${command[@]}")
      ;;
    nginx)
      write_nginx_conf "$port"
      command=("$(binary_of nginx)" -p "$TMP_DIR/nginx" -c "$TMP_DIR/nginx/nginx.conf"
        -e "$TMP_DIR/nginx/error.log")
      ;;
    raw) command=("$(binary_of raw)" "$port") ;;
  esac
  start_pinned "$SERVER_CPU" "$log" "${command[@]}"
  SERVER_PID=$STARTED_PID
  wait_for_port "$SERVER_PID" "$port" && return
  echo "bench/wrk.sh: $target did not start listening on 127.0.0.1:$port:" >&2
  cat "$log" >&2
  stop_pinned "$SERVER_PID"
  return 1
}

declare -A RPS CPU_US ERRORS

# Runs wrk for SCENARIO against TARGET on PORT and records its requests/s and server CPU.
measure() {
  local target=$1 scenario=$2 port=$3 report=$RESULTS_DIR/$1-$2.txt
  local -a args=(-t1 -d "$DURATION" --latency)
  local -a script_args=()
  if [[ $scenario == pipe* ]]; then
    args+=(-c "$PIPE_CONNECTIONS" -s bench/pipeline.lua)
    script_args=(-- "${scenario#pipe}")
  else
    args+=(-c "${scenario#c}")
    if [ -n "$WRK_SCRIPT" ]; then args+=(-s "$WRK_SCRIPT"); fi
  fi
  echo "bench/wrk.sh: $target $scenario ($DURATION)" >&2

  local before after requests
  before=$(cpu_ticks "$SERVER_PID")
  start_pinned "$CLIENT_CPU" "$report" wrk "${args[@]}" "http://127.0.0.1:$port$PATH_UNDER_TEST" \
    "${script_args[@]}"
  local wrk_pid=$STARTED_PID
  local wrk_status=0
  wait "$wrk_pid" || wrk_status=$?
  forget "$wrk_pid"
  sleep 0.2 # let the server finish closing wrk's connections: that work is part of the run
  after=$(cpu_ticks "$SERVER_PID")

  requests=$(wrk_requests "$report")
  if [ "$wrk_status" -ne 0 ] || [ -z "$requests" ] || [ "$requests" -eq 0 ]; then
    echo "bench/wrk.sh: wrk failed on $target $scenario, see $report" >&2
    return
  fi
  RPS[$target/$scenario]=$(wrk_rps "$report")
  ERRORS[$target/$scenario]=$(wrk_errors "$report")
  CPU_US[$target/$scenario]=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" \
    'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
}

for target in $TARGETS; do
  port=$(free_port)
  start_server "$target" "$port" || continue
  if [ "$target" = ringside ] && [ -n "${RINGSIDE_SETUP:-}" ]; then
    # e.g. seed sessions through the API before measuring (bench/poll.sh)
    PORT=$port SERVER_PID=$SERVER_PID bash -c "$RINGSIDE_SETUP" || die "RINGSIDE_SETUP failed"
  fi
  for scenario in $SCENARIOS; do
    if ! is_running "$SERVER_PID"; then
      echo "bench/wrk.sh: $target exited, see $RESULTS_DIR/$target.server.log" >&2
      break
    fi
    measure "$target" "$scenario" "$port"
  done
  stop_pinned "$SERVER_PID"
done

# Prints A / B with two decimals and an "x", or "-" when either is missing.
ratio() {
  if [ -z "$1" ] || [ -z "$2" ]; then
    echo -
    return
  fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'
}

# The issue's targets for ringside: CPU per request at or below nginx's with plain connections,
# and at least 10x nginx's throughput when pipelined. Errors make either unclear.
goal() {
  local scenario=$1 key=ringside/$1 nginx=nginx/$1
  if [ -z "${RPS[$key]:-}" ] || [ -z "${RPS[$nginx]:-}" ]; then
    echo -
  elif ((ERRORS[$key] > 0)); then
    echo "unclear (ringside had errors)"
  elif [[ $scenario == pipe* ]]; then
    awk -v a="${RPS[$key]}" -v b="${RPS[$nginx]}" \
      'BEGIN { print (a >= 10 * b ? "met" : "missed") " (rps >= 10x nginx)" }'
  else
    awk -v a="${CPU_US[$key]}" -v b="${CPU_US[$nginx]}" \
      'BEGIN { print (a <= b ? "met" : "missed") " (cpu <= nginx)" }'
  fi
}

print_table() {
  local format="%-9s %-8s %12s %11s %7s %10s %10s %8s %8s  %s\n" scenario target key
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) cores," \
    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "# server on core $SERVER_CPU, wrk -t1 on core $CLIENT_CPU, $DURATION per run," \
    "path $PATH_UNDER_TEST, pipeN with $PIPE_CONNECTIONS connections"
  # shellcheck disable=SC2059 # the format is a variable on purpose
  printf "$format" target scenario requests/s cpu_us/req errors rps/nginx cpu/nginx rps/raw \
    cpu/raw goal
  for scenario in $SCENARIOS; do
    for target in $TARGETS; do
      key=$target/$scenario
      local ratios=(- - - - -)
      if [ "$target" = ringside ]; then
        ratios=("$(ratio "${RPS[$key]:-}" "${RPS[nginx/$scenario]:-}")"
          "$(ratio "${CPU_US[$key]:-}" "${CPU_US[nginx/$scenario]:-}")"
          "$(ratio "${RPS[$key]:-}" "${RPS[raw/$scenario]:-}")"
          "$(ratio "${CPU_US[$key]:-}" "${CPU_US[raw/$scenario]:-}")"
          "$(goal "$scenario")")
      fi
      # shellcheck disable=SC2059
      printf "$format" "$target" "$scenario" "${RPS[$key]:-failed}" "${CPU_US[$key]:--}" \
        "${ERRORS[$key]:--}" "${ratios[@]}"
    done
  done
}

print_table | tee "$RESULTS_DIR/table.txt"
echo "bench/wrk.sh: wrk reports and server logs in $RESULTS_DIR" >&2
for target in $TARGETS; do
  for scenario in $SCENARIOS; do
    [ -n "${RPS[$target/$scenario]:-}" ] || die "some runs failed (marked in the table)"
  done
done
