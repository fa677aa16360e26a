#!/usr/bin/env bash
# scripts/scaling-pack: the pack holds mpbench, the workloads, libmpalloc,
# the rivals found here and mpbench's libraries as plain files (no links),
# and its run.sh runs a tiny scaling matrix from the pack alone (clean
# environment, THREADS/REPEAT/WORKLOADS honoured), every run ok, with the
# efficiency plot and mpa_counters.csv. Usage: scaling-pack.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$build/bin/mpbench" ] && [ -x "$build/bin/wl-window-churn" ] || { echo "FAIL: no mpbench/wl-window-churn after the build"; exit 1; }
command -v gnuplot > /dev/null && command -v python3 > /dev/null || { echo "no gnuplot/python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
p="$tmp/pack"
"$here/../../scripts/scaling-pack" "$build" "$p" > "$tmp/out" 2>&1 || fail "pack exited $?: $(cat "$tmp/out")"
for f in bin/mpbench bin/wl-window-churn lib/libmpalloc.so lib/mpbench-probe.so run.sh mpa-counters; do
    [ -f "$p/$f" ] || fail "pack lacks $f"
done
[ -z "$(find "$p" -type l)" ] || fail "pack holds links: $(find "$p" -type l)"
ls "$p"/deps/libhwloc.so.* > /dev/null 2>&1 || fail "pack lacks libhwloc"
nalloc=$((2 + $(ls "$p/lib" | grep -Ec "^lib(jemalloc|tcmalloc|mimalloc)")))
(cd "$tmp" && env -i PATH=/usr/bin:/bin HOME="$tmp" THREADS=1,2 REPEAT=1 \
    WORKLOADS=window-churn@0.00002 "$p/run.sh" "$tmp/r") > "$tmp/out" 2>&1 ||
    fail "run.sh exited $?: $(tail -5 "$tmp/out")"
[ "$(tail -n 1 "$tmp/out")" = "$tmp/r" ] || fail "run.sh did not print the results folder last"
rows=$(grep -c ',window-churn,[12],1,ok,' "$tmp/r/results.csv")
[ "$rows" -eq $((2 * nalloc)) ] || fail "expected $((2 * nalloc)) ok rows, got $rows"
[ -s "$tmp/r/plots/efficiency_window-churn.png" ] || fail "no efficiency plot"
[ "$(grep -c '^mpalloc,' "$tmp/r/mpa_counters.csv")" -eq 2 ] || fail "mpa_counters.csv lacks mpalloc rows"
echo "pack of $nalloc allocators runs on its own"
