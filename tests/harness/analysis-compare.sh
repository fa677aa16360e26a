#!/usr/bin/env bash
# mpbench compare on fixtures: identical folders exit 0, a known 20% slowdown
# of one allocator exits 1 (and only its cells say SLOWER), a threshold above
# the change exits 0, bad input exits 2. Usage: analysis-compare.sh BUILD
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

"$mpb" compare "$tmp/a" "$tmp/missing" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing folder: exit $rc, expected 2"
"$mpb" compare "$tmp/a" "$tmp/b" --metric bogus > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown metric: exit $rc, expected 2"
"$mpb" compare "$tmp/a" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "one folder: exit $rc, expected 2"
echo "compare: 0 on identical, 1 on a 20% slowdown, 2 on bad input"
