#!/usr/bin/env bash
# mpbench compare on fixtures: identical folders exit 0, a known 20% slowdown
# of one allocator exits 1 (and only its cells say SLOWER), a threshold above
# the change exits 0, a drift of the machine (glibc, the control, moved as
# much as the others) exits 3 with no cell called SLOWER, bad input exits 2.
# Usage: analysis-compare.sh BUILD
set -uo pipefail
mpb="${1:?usage: $0 BUILD}/bin/mpbench"
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || { echo "FAIL: no $mpb after the build"; exit 1; }
. "$here/analysis-fixture.inc"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mpb_fixture "$tmp/a"
mpb_fixture "$tmp/b" mpalloc 1.2

"$mpb" compare "$tmp/a" "$tmp/a" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "identical folders: exit $rc"
grep -q '30 cells compared: 0 faster, 0 SLOWER, 30 same' "$tmp/out" || fail "identical: $(tail -1 "$tmp/out")"

"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "20% slowdown: exit $rc, expected 1"
[ "$(grep -c 'SLOWER$' "$tmp/out")" -eq 6 ] || fail "expected 6 SLOWER cells"
grep 'SLOWER$' "$tmp/out" | grep -qv ' mpalloc ' && fail "a cell other than mpalloc's is SLOWER"
grep ' mpalloc ' "$tmp/out" | grep -q '+20.0%' || fail "change not +20.0%"

"$mpb" compare "$tmp/b" "$tmp/a" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "speed-up: exit $rc"
[ "$(grep -c 'faster$' "$tmp/out")" -eq 6 ] || fail "expected 6 faster cells"

"$mpb" compare "$tmp/a" "$tmp/b" --metric ops_per_s > /dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "ops_per_s drop of 17%: exit $rc, expected 1"
"$mpb" compare "$tmp/a" "$tmp/b" --threshold 25 > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] || fail "--threshold 25 on a 20% change: exit $rc"
"$mpb" compare "$tmp/a" "$tmp/b" --metric max_rss_kb > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] || fail "unchanged RSS: exit $rc"

# The machine drifted: every allocator, glibc included, 20% slower in B. The
# control (glibc) moved, so no cell is called SLOWER: exit 3, drift named.
mpb_fixture "$tmp/d" '*' 1.2
"$mpb" compare "$tmp/a" "$tmp/d" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 3 ] || fail "drift (glibc moved too): exit $rc, expected 3: $(tail -2 "$tmp/out")"
grep -q 'SLOWER$' "$tmp/out" && fail "drift: a cell is called SLOWER"
grep -q '^control: glibc MOVED in 6 of 6 workload/thread groups' "$tmp/out" \
    || fail "drift: the control's move is not reported: $(grep control "$tmp/out")"
grep -q 'control MOVED: the machine drifted$' "$tmp/out" || fail "drift: glibc's cells not marked"
grep -q 'not judged: drift (glibc moved x1.20; relative to it x1.00)' "$tmp/out" \
    || fail "drift: cells do not show their change relative to the control"
# Identical folders: the control is steady everywhere.
"$mpb" compare "$tmp/a" "$tmp/a" > "$tmp/out" 2>&1
grep -q '^control: glibc steady in 6 of 6' "$tmp/out" || fail "identical: control not steady"

"$mpb" compare "$tmp/a" "$tmp/missing" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing folder: exit $rc, expected 2"
"$mpb" compare "$tmp/a" "$tmp/b" --metric bogus > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown metric: exit $rc, expected 2"
"$mpb" compare "$tmp/a" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "one folder: exit $rc, expected 2"
echo "compare: 0 on identical, 1 on a 20% slowdown, 3 when glibc moved too (drift), 2 on bad input"
