#!/usr/bin/env bash
# Smoke run of the workloads that model patterns of held-out benchmarks
# (remote-random, pareto, larson-sized, prodcons-mixed, large-loop): tiny
# scale at 1 and 3 threads, on glibc and under LD_PRELOAD of libmpalloc. Each
# prints one `mpbench-ops: N` line (large-loop also its live peak), the same
# N on both allocators and on a second run, the closed form where there is
# one; --help exits 0, bad options 2. larson-sized must find the preloaded
# allocator's sized delete when it has one (every libmpalloc build).
# Usage: workloads-patterns.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
fail() { echo "FAIL: $*"; exit 1; }
lib="$build/lib/libmpalloc.so"
scale=0.00001

ops_of() { sed -n 's/^mpbench-ops: \([0-9][0-9]*\)$/\1/p' <<<"$1"; }

# name -> closed form of the ops at $scale for T threads ("" if none)
want_ops() {
    local name=$1 t=$2
    case $name in
        larson-sized) echo $((t * (5000 + 2 * 100000 * 2 + 5000))) ;; # 2 lives at least
        large-loop) echo $((t * 2)) ;;                                   # 1 step at least
        prodcons-mixed)                                                  # 1 batch per producer
            local np=$((t / 2 > 0 ? t / 2 : 1))
            echo $((np * (1 + 4096) * 2)) ;;
        *) echo "" ;;
    esac
}

for name in remote-random pareto larson-sized prodcons-mixed large-loop; do
    wl="$build/bin/wl-$name"
    [ -x "$wl" ] || fail "no $wl after the build"
    for t in 1 3; do
        out=$("$wl" -t "$t" -s "$scale") || fail "$name -t $t exited $?"
        n=$(ops_of "$out")
        [ -n "$n" ] && [ "$n" -gt 0 ] || fail "$name -t $t: no ops line in '$out'"
        extra=$(grep -v '^mpbench-ops: ' <<<"$out" | grep -v '^mpbench-live-peak-bytes: [0-9]*$')
        [ -z "$extra" ] || fail "$name -t $t: unexpected output '$extra'"
        w=$(want_ops "$name" "$t")
        [ -z "$w" ] || [ "$n" = "$w" ] || fail "$name -t $t: $n ops, want $w"
        out2=$(LD_PRELOAD=$lib "$wl" -t "$t" -s "$scale") || fail "$name -t $t under mpalloc exited $?"
        [ "$(ops_of "$out2")" = "$n" ] || fail "$name -t $t: mpalloc made $(ops_of "$out2") ops, glibc $n"
        out3=$("$wl" -t "$t" -s "$scale") || fail "$name -t $t (again) exited $?"
        [ "$out3" = "$out" ] || fail "$name -t $t is not repeatable: '$out' vs '$out3'"
    done
    "$wl" --help | grep -q "^Parameters at scale 1.0" || fail "$name --help"
    [ -n "$("$wl" --describe)" ] || fail "$name --describe is empty"
    "$wl" -t 0 >/dev/null 2>&1; rc=$?
    [ "$rc" = 2 ] || fail "$name -t 0 exited $rc, want 2"
    "$wl" -s x >/dev/null 2>&1; rc=$?
    [ "$rc" = 2 ] || fail "$name -s x exited $rc, want 2"
done

# Sized delete resolves to the preloaded allocator's own when it has one
# (every libmpalloc build defines the C++ operators).
for l in "$lib" "$build/lib/libmpalloc-checked.so"; do
    [ -f "$l" ] || continue
    e=$(LD_PRELOAD=$l "$build/bin/wl-larson-sized" -v -s "$scale" 2>&1 >/dev/null)
    grep -q "sized delete from .*$(basename "$l")" <<<"$e" || fail "larson-sized -v under $l: $e"
done
echo "ok"
