#!/usr/bin/env bash
# Smoke run of the memory workloads (class-waste, sliding-window) at tiny
# scale, on glibc and under LD_PRELOAD of libmpalloc: the keys each prints,
# their ranges (a ratio of RSS to requested or live bytes is at least 1.000
# and, at these sizes, below 3.000), the per-size table of class-waste (49
# sizes, on stderr), sliding-window's op count (2 per allocation), --help,
# and exit 2 on a bad option.
# Usage: workloads-memory.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
fail() { echo "FAIL: $*"; exit 1; }
lib="$build/lib/libmpalloc.so"
key() { awk -v k="mpbench-$1:" '$1 == k { print $2 }' <<<"$2"; }
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

cw="$build/bin/wl-class-waste"
sw="$build/bin/wl-sliding-window"
for wl in "$cw" "$sw"; do
    [ -x "$wl" ] || fail "no $wl after the build"
    "$wl" --help | grep -q "^usage: wl-" || fail "$wl --help"
    "$wl" -t 0 >/dev/null 2>&1; rc=$?
    [ "$rc" = 2 ] || fail "$wl -t 0 exited $rc, want 2"
done

for pre in "" "$lib"; do
    err=$(mktemp)
    out=$(LD_PRELOAD=$pre "$cw" -s 0.01 2>"$err") || fail "class-waste [$pre] exited $?"
    n=$(grep -c '^wl-class-waste: *[0-9]* B: [0-9]\.[0-9][0-9][0-9]$' "$err")
    [ "$n" = 49 ] || fail "class-waste [$pre]: $n size lines on stderr, want 49: $(head -3 "$err")"
    rm -f "$err"
    for k in waste-pow2-mean waste-pow2-worst waste-all-mean waste-all-worst; do
        in_range "$(key $k "$out")" 1000 3000 || fail "class-waste [$pre]: $k out of range: $out"
    done
    [ "$(key waste-all-worst "$out")" -ge "$(key waste-all-mean "$out")" ] ||
        fail "class-waste [$pre]: worst below mean: $out"
    ws=$(key waste-worst-size "$out")
    in_range "$ws" 65 262145 || fail "class-waste [$pre]: worst size '$ws'"
    [ $((ws % 16)) = 1 ] || fail "class-waste [$pre]: worst size $ws is not just above a boundary"

    out=$(LD_PRELOAD=$pre "$sw" -s 0.01 -t 2) || fail "sliding-window [$pre] exited $?"
    [ "$(key ops "$out")" = $((2 * 2 * 4096)) ] || fail "sliding-window [$pre]: ops: $out"
    in_range "$(key live-peak-bytes "$out")" 1000000 1000000000 || fail "sliding-window [$pre]: live: $out"
    in_range "$(key rss-over-live "$out")" 1000 3000 || fail "sliding-window [$pre]: ratio: $out"
done
a=$("$sw" -s 0.01 --seed 7 | grep -v rss-over) && b=$("$sw" -s 0.01 --seed 7 | grep -v rss-over) ||
    fail "sliding-window --seed 7 failed"
[ "$a" = "$b" ] || fail "sliding-window is not repeatable: '$a' vs '$b'"
echo "ok"
