#!/usr/bin/env bash
# Smoke run of the light-touch workloads (window-churn, mixed-sizes): tiny
# scale at 1 and 3 threads, on glibc and under LD_PRELOAD of libmpalloc. The
# ops line must equal the closed form (fill + 2 per step + drain, times the
# threads), runs must be repeatable, --help must exit 0 and bad options 2;
# WL_MPA_STATS=1 prints mpa_stats_json() under libmpalloc (and says it is
# absent on glibc), nothing without it.
# Usage: workloads-light.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
fail() { echo "FAIL: $*"; exit 1; }
lib="$build/lib/libmpalloc.so"
# name, slots, steps per thread at scale 1
for spec in window-churn:2000:250000000 mixed-sizes:64:150000000; do
    IFS=: read -r name slots steps <<<"$spec"
    wl="$build/bin/wl-$name"
    [ -x "$wl" ] || { echo "FAIL: no $wl after the build"; exit 1; }
    scale=0.00001
    per=$(awk -v s="$scale" -v n="$steps" -v k="$slots" 'BEGIN { printf "%d", 2 * k + 2 * int(n * s + 0.5) }')
    for t in 1 3; do
        for pre in "" "$lib"; do
            out=$(LD_PRELOAD=$pre "$wl" -t "$t" -s "$scale") || fail "$name -t $t [$pre] exited $?"
            [ "$out" = "mpbench-ops: $((per * t))" ] ||
                fail "$name -t $t [$pre]: got '$out', want mpbench-ops: $((per * t))"
        done
    done
    a=$("$wl" -t 2 -s "$scale" --seed 7) && b=$("$wl" -t 2 -s "$scale" --seed 7) ||
        fail "$name --seed 7 failed"
    [ "$a" = "$b" ] || fail "$name is not repeatable: '$a' vs '$b'"
    "$wl" --help | grep -q "One byte written per object" || fail "$name --help says nothing of its touching"
    e=$(WL_MPA_STATS=1 LD_PRELOAD=$lib "$wl" -s "$scale" 2>&1 >/dev/null)
    grep -q "^wl-$name: mpa_stats_json: {\"stats\":" <<<"$e" || fail "$name: no mpa_stats_json line: $e"
    e=$(WL_MPA_STATS=1 "$wl" -s "$scale" 2>&1 >/dev/null)
    [ "$e" = "wl-$name: mpa_stats_json: (not in this allocator)" ] || fail "$name on glibc: $e"
    [ -z "$("$wl" -s "$scale" 2>&1 >/dev/null)" ] || fail "$name prints on stderr without WL_MPA_STATS"
    "$wl" -t 0 > /dev/null 2>&1; rc=$?
    [ "$rc" = 2 ] || fail "$name -t 0 exited $rc, want 2"
done
echo "ok"
