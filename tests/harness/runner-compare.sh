#!/usr/bin/env bash
# End to end: two real `mpbench run` folders where the second workload is
# made 3x slower (TINY_SLOW=3) are told apart by `mpbench compare A B`
# (non-zero exit: a regression), and A against itself is not. With fewer
# than 5 runs per cell there is no verdict at all: one run per side gave
# "+32.7% SLOWER ... REGRESSION" and two identical setups were called
# SLOWER; now the cells are "not judged", the output says how many runs a
# verdict needs, and the exit is 3 (inconclusive), never 0 or 1.
# Usage: runner-compare.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=30

run() {
    local reps=$1 out=$2
    "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat "$reps" --no-pin \
        --out "$out" --no-report > /dev/null 2>&1 || fail "run into $out failed"
}
# 100 ms against 300 ms: wide enough apart for a loaded machine's start-up noise
TINY_MS=100 run 5 "$tmp/a"
TINY_MS=100 TINY_SLOW=3 run 5 "$tmp/b"
"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "3x slower run: compare exit $rc, expected 1 (a regression): $(tail -2 "$tmp/out")"
"$mpb" compare "$tmp/a" "$tmp/a" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "a folder against itself: compare exit $rc"
echo "compare flags the 3x slower run and passes identical folders"

# One run per side, 3x slower: no SLOWER, no regression exit.
run 1 "$tmp/a1"
TINY_SLOW=3 run 1 "$tmp/b1"
"$mpb" compare "$tmp/a1" "$tmp/b1" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 3 ] || fail "one run per side: compare exit $rc, expected 3 (inconclusive): $(tail -2 "$tmp/out")"
grep -q 'SLOWER$' "$tmp/out" && fail "one run per side: a cell is called SLOWER: $(grep SLOWER "$tmp/out")"
grep -q 'too few runs for a verdict (A 1, B 1 ok runs; 5 on each side are needed)' "$tmp/out" \
    || fail "one run per side: the runs needed are not named: $(grep wl-tiny "$tmp/out")"
grep -q '^verdict: INCONCLUSIVE' "$tmp/out" || fail "no INCONCLUSIVE verdict: $(tail -1 "$tmp/out")"
# Two runs per side of the same setup: never SLOWER or faster.
run 2 "$tmp/a2"
run 2 "$tmp/b2"
"$mpb" compare "$tmp/a2" "$tmp/b2" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 3 ] || fail "two runs per side: compare exit $rc, expected 3: $(tail -2 "$tmp/out")"
grep -Eq '(SLOWER|faster)$' "$tmp/out" && fail "two runs per side: a verdict was given"
echo "1 or 2 runs per side: not judged, runs needed named, exit 3"
