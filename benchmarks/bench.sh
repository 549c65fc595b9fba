#!/usr/bin/env bash
# Prints, as Markdown, two comparisons measured on this machine:
#
#  1. The routing and URL building of this module's registry API package
#     against distribution's (bench_test.go): for each operation the median
#     ns/op over the runs for distribution ("upstream") and for this module
#     ("ours"), their ratio, and the allocations per op.
#  2. registrytest's in-memory registry under load against
#     go-containerregistry's pkg/registry (cmd/registry-load): image pushes
#     and pulls, small requests during large pushes, memory per byte stored.
#
# ONLY=stores runs instead a third comparison, of image pushes and pulls by
# 16 clients: package server over the directory store against
# distribution's registry on its filesystem driver, and package server
# over the memory store against registrytest and go-containerregistry
# (about a quarter of an hour with the defaults).
#
# Environment: ONLY=router or ONLY=registry runs one of them (default both).
# For the first, COUNT runs (default 5) and BENCHTIME per benchmark and run
# (default 200ms): the test binary is run COUNT times in a row, each run
# measuring distribution and this module one after the other, so that a
# busy machine slows both sides of a row alike. For the second, ROUNDS
# (default 5) alternating rounds per workload and SCALE (default 1), which
# multiplies the work of each run; it takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-5}
benchtime=${BENCHTIME:-200ms}
only=${ONLY:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$only" = stores ]; then
  go build -o "$tmp/registry-load" ./cmd/registry-load
  "$tmp/registry-load" -parts throughput -workers 16 -rounds "${ROUNDS:-5}" -scale "${SCALE:-1}" \
    -side server-dirstore,distribution-fs,server-memstore,registrytest,go-containerregistry \
    -ratios server-dirstore/distribution-fs,server-memstore/registrytest,server-memstore/go-containerregistry
  exit 0
fi

if [ "$only" = registry ]; then
  go build -o "$tmp/registry-load" ./cmd/registry-load
  "$tmp/registry-load" -rounds "${ROUNDS:-5}" -scale "${SCALE:-1}"
  exit 0
fi

go test -c -o "$tmp/bench.test" .
for _ in $(seq "$count"); do
  "$tmp/bench.test" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "$benchtime" >>"$tmp/raw.txt"
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
printf 'cpu: %s (%s cores)\ngo: %s\ndate: %s\nruns: %s, benchtime %s\n\n' \
  "${cpu:-unknown}" "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')" "$(go env GOVERSION)" \
  "$(date -u +'%Y-%m-%d %H:%M UTC')" "$count" "$benchtime"

# One line per measurement: order of first appearance, operation,
# implementation, ns/op, allocs/op.
awk '
  /^Benchmark/ && / ns\/op/ {
    name = $1
    sub(/^Benchmark/, "", name)
    sub(/-[0-9]+$/, "", name)
    impl = name
    sub(/.*\//, "", impl)
    op = substr(name, 1, length(name) - length(impl) - 1)
    sub(/^BuildURL\//, "", op)
    # A second side under another name (such as regexp-floor) takes the
    # place of ours in its row.
    if (impl != "upstream") impl = "ours"
    ns = ""; allocs = ""
    for (i = 2; i < NF; i++) {
      if ($(i + 1) == "ns/op") ns = $i
      if ($(i + 1) == "allocs/op") allocs = $i
    }
    if (!(op in seen)) seen[op] = ++ops
    print seen[op], op, impl, ns, allocs
  }' "$tmp/raw.txt" | sort -k1,1n -k3,3 -k4,4g >"$tmp/rows.txt"

awk '
  {
    key = $2 SUBSEP $3
    n[key]++
    v[key, n[key]] = $4
    a[key] = $5
    if (!($2 in idx)) { idx[$2] = $1; name[$1] = $2; if ($1 > max) max = $1 }
  }
  function median(key) { return v[key, int((n[key] + 1) / 2)] }
  END {
    printf "| operation | upstream ns/op | ours ns/op | ratio | upstream allocs/op | ours allocs/op |\n"
    printf "|---|---:|---:|---:|---:|---:|\n"
    for (i = 1; i <= max; i++) {
      op = name[i]; up = op SUBSEP "upstream"; us = op SUBSEP "ours"
      if (!(up in n) || !(us in n)) continue
      mu = median(up); mo = median(us)
      printf "| %s | %.0f | %.1f | %.1fx | %s | %s |\n", op, mu, mo, mu / mo, a[up], a[us]
    }
  }' "$tmp/rows.txt"

if [ "$only" != router ]; then
  printf '\nThe in-memory registry under load: registrytest against go-containerregistry, both in this process over loopback.\n\n'
  go build -o "$tmp/registry-load" ./cmd/registry-load
  "$tmp/registry-load" -rounds "${ROUNDS:-5}" -scale "${SCALE:-1}"
fi
