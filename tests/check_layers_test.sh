#!/usr/bin/env bash
# tools/check-layers on a made-up tree: a clean tree passes; each way of climbing a layer is
# named with its file and line, and nothing else is.
set -euo pipefail
check=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{core,model,http,store,backends,api,app}
printf '#include <cstdint>\n#include "core/reactor.h"\n' >"$tree/model/fine.h"
printf '#include "model/ids.h"\n#include "http/reply.h"\n#include "store/x.h"\n' >"$tree/api/fine.cc"
printf '#include "api/api.h"\n#include "model/ids.h"\n' >"$tree/app/fine.cc"

out=$("$check" "$tree")
[[ $out == "check-layers: every include goes down" ]] || { echo "clean tree: $out"; exit 1; }

printf '#include "model/ids.h"\n  # include <api/api.h>\n' >"$tree/model/a.h"
printf '#include "../api/api.h"\n' >"$tree/store/b.cc"
printf '#include "model/../app/x.h"\n' >"$tree/model/c.h"
printf '#include  "store/x.h"\n' >"$tree/http/d.cc"
printf '#include "backends/x.h"\n' >"$tree/store/e.h"
if out=$("$check" "$tree" 2>&1); then
  echo "a tree with climbing includes passed"
  exit 1
fi
expected='model/a.h:2: includes "api/api.h" (api is not below model)
store/b.cc:1: includes "../api/api.h" (no '"'..'"' in include paths)
model/c.h:1: includes "model/../app/x.h" (no '"'..'"' in include paths)
http/d.cc:1: includes "store/x.h" (store is not below http)
store/e.h:1: includes "backends/x.h" (backends is not below store)'
got=$(grep -v '^check-layers:' <<<"$out" | sort)
if [[ $got != "$(sort <<<"$expected")" ]]; then
  printf 'expected:\n%s\ngot:\n%s\n' "$(sort <<<"$expected")" "$got"
  exit 1
fi
echo "check-layers: every climb named"
