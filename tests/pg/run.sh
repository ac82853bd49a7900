#!/usr/bin/env bash
# Builds the PostgreSQL tests (tests/pg/*_test.cc) with g++ and runs them against a throwaway
# cluster from tools/pg-env, which is removed afterwards, pass or fail.
#   tests/pg/run.sh [gtest arguments...]
# RINGSIDE_PG_BUILD sets where objects and the binary go (default: a directory under /tmp).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${RINGSIDE_PG_BUILD:-${TMPDIR:-/tmp}/ringside-pg-tests}
mkdir -p "$build/obj"

# shellcheck disable=SC2207  # pkg-config output is flags, split on purpose
cflags=(-std=c++20 -O1 -g -Wall -Wextra -Wpedantic -Wshadow -Wno-missing-field-initializers
  -I"$repo" $(pkg-config --cflags libpq liburing)
  -DRINGSIDE_PG_ENV_TOOL="\"$repo/tools/pg-env\"")
# shellcheck disable=SC2207
libs=($(pkg-config --libs libpq liburing) -lgtest -lgtest_main -lpthread)

cmake -DMIGRATIONS_DIR="$repo/store/migrations" -DOUTPUT="$build/migrations_embedded.cc" \
  -P "$repo/store/pg/embed_migrations.cmake"

# Ours with -Werror; the reactor's core files (PgPoller and the test loop need them) without,
# since their owners may be mid-edit.
ours=("$repo"/store/pg/*.cc "$build/migrations_embedded.cc" "$repo"/tests/pg/*.cc)
core=(clock log mailbox message_bus reactor timer_wheel uring)
sources=() flags=()
for src in "${ours[@]}"; do sources+=("$src") flags+=(-Werror); done
for name in "${core[@]}"; do sources+=("$repo/core/$name.cc") flags+=(-w); done

compile() {  # FLAG SOURCE
  local obj
  obj="$build/obj/$(echo "${2#"$repo"/}" | tr / _).o"
  g++ "${cflags[@]}" "$1" -c "$2" -o "$obj"
}
rm -f "$build"/obj/*.o
status=0
running=()
for i in "${!sources[@]}"; do
  compile "${flags[$i]}" "${sources[$i]}" &
  running+=($!)
  if [ ${#running[@]} -ge 2 ]; then
    wait "${running[0]}" || status=1
    running=("${running[@]:1}")
  fi
done
for pid in "${running[@]}"; do wait "$pid" || status=1; done
[ "$status" -eq 0 ] || { echo "tests/pg/run.sh: build failed" >&2; exit 1; }
g++ "$build"/obj/*.o "${libs[@]}" -o "$build/pg_tests"

cluster=$(mktemp -d "${TMPDIR:-/tmp}/ringside-pg-cluster.XXXXXX")
trap '"$repo/tools/pg-env" down "$cluster"' EXIT
"$repo/tools/pg-env" up "$cluster" >/dev/null
RINGSIDE_PG_DIR=$cluster "$build/pg_tests" "$@"
