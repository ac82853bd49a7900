# shellcheck shell=bash
# Helpers for the macro benchmarks (sourced by bench/wrk.sh): ports, readiness, server CPU time,
# and reading wrk's report.

# Prints a TCP port nobody listens on right now.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if [ -z "$(ss -Htln "sport = :$port")" ]; then
      echo "$port"
      return
    fi
  done
}

# True while PID runs (a child that exited but is not reaped yet is a zombie: not running).
is_running() {
  local line
  read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  line=${line##*) }
  [ "${line:0:1}" != Z ]
}

# Waits until PID accepts connections on 127.0.0.1:PORT; fails if PID exits or 10 s pass.
wait_for_port() {
  local pid=$1 port=$2 tries
  for ((tries = 0; tries < 100; tries++)); do
    is_running "$pid" || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# Prints the CPU time, in clock ticks, that PID and its live children (nginx's workers) have
# used: utime + stime of every thread, plus what reaped children used (cutime + cstime).
cpu_ticks() {
  local root=$1 total=0 pid line children=""
  local -a fields
  children=$(cat /proc/"$root"/task/*/children 2>/dev/null || true)
  for pid in "$root" $children; do
    read -r line 2>/dev/null <"/proc/$pid/stat" || continue
    # Fields after the ")" closing the command name start at field 3 (state): utime is 14.
    read -ra fields <<<"${line##*) }"
    total=$((total + fields[11] + fields[12]))
    if [ "$pid" = "$root" ]; then
      total=$((total + fields[13] + fields[14]))
    fi
  done
  echo "$total"
}

# Sends SIGTERM to PID (and, after 5 s, SIGKILL to it and the children it had), then reaps it.
stop_process() {
  local pid=$1 children tries
  children=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  for ((tries = 0; tries < 50; tries++)); do
    if ! is_running "$pid"; then
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
  # shellcheck disable=SC2086 # the children are a list of pids
  kill -KILL "$pid" $children 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# From a saved wrk report: the number of requests it completed ("N requests in 10.00s, ...").
wrk_requests() { awk '/ requests in / { print $1 }' "$1"; }

# From a saved wrk report: requests per second.
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }

# From a saved wrk report: socket errors plus non-2xx/3xx answers.
wrk_errors() {
  awk '/^  Socket errors:/ { gsub(/[^0-9 ]/, ""); n += $1 + $2 + $3 + $4 }
       /^  Non-2xx or 3xx responses:/ { n += $NF }
       END { print n + 0 }' "$1"
}
