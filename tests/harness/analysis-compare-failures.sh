#!/usr/bin/env bash
# mpbench compare as a regression gate on failures and coverage: a cell
# whose runs all crash in B, one whose runs fail only in part, and a cell
# that B lacks each make the verdict a regression (exit 1, said on the
# cell's line); a new cell in B is reported and passes unless it failed;
# fewer failures in B pass; folders of another scale or measure mode are
# refused (exit 2) unless --force; a run written twice is counted once. Usage: analysis-compare-failures.sh BUILD
set -uo pipefail
mpb="${1:?usage: $0 BUILD}/bin/mpbench"
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || { echo "FAIL: no $mpb after the build"; exit 1; }
. "$here/analysis-fixture.inc"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mpb_fixture "$tmp/a"

# variant NAME AWK-PROGRAM: a copy of A whose results.csv went through awk.
variant() {
    mkdir -p "$tmp/$1" && cp "$tmp/a/meta.json" "$tmp/$1/" || fail "cannot copy the fixture"
    awk -F, -v OFS=, "$2" "$tmp/a/results.csv" > "$tmp/$1/results.csv" || fail "awk for $1"
}
# expect NAME EXIT PATTERN: compare A with NAME exits EXIT and prints PATTERN.
expect() {
    "$mpb" compare "$tmp/a" "$tmp/$1" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq "$2" ] || fail "$1: exit $rc, expected $2: $(tail -2 "$tmp/out")"
    grep -q -- "$3" "$tmp/out" || fail "$1: output lacks '$3': $(tail -3 "$tmp/out")"
}

variant allcrash '$1 == "mpalloc" && $3 == "pairs" && $4 == 1 && $6 == "ok" { $6 = "crash"; $7 = "" } 1'
expect allcrash 1 'pairs .* mpalloc .* FAILED in B: 5 of 5 runs failed: crash 5'
grep -q 'verdict: REGRESSION' "$tmp/out" || fail "allcrash: no REGRESSION verdict"

variant partial '$1 == "jemalloc" && $3 == "larson" && $4 == 2 && $5 == 3 { $6 = "timeout" } 1'
expect partial 1 'larson .* jemalloc .* FAILED in B: 1 of 5 runs failed: timeout 1'

variant unverified '$1 == "glibc" && $3 == "churn" && $4 == 1 && $5 == 2 { $6 = "unverified" } 1'
expect unverified 1 'FAILED in B: 1 of 5 runs failed: unverified 1'

variant missing '!($1 == "tcmalloc" && $3 == "churn" && $4 == 1)'
expect missing 1 'churn .* tcmalloc .* MISSING in B'

variant newcell '1; $1 == "mimalloc" && $6 == "ok" { $1 = "hoard"; print }'
expect newcell 0 'new in B'
grep -q 'verdict: ok' "$tmp/out" || fail "newcell: verdict not ok"

variant newcrash '1; $1 == "mimalloc" && $3 == "pairs" && $4 == 1 { $1 = "hoard"; $6 = "crash"; print }'
expect newcrash 1 'pairs .* hoard .* FAILED in B'

variant fixed '!($1 == "mpalloc" && $3 == "churn" && $4 == 2 && $6 != "ok")'
expect fixed 0 'fewer failures in B'

# Scale and measure mode: columns added to copies of A.
addcols() {
    mkdir -p "$tmp/$1" && cp "$tmp/a/meta.json" "$tmp/$1/"
    awk -v s="$2" -v m="$3" 'NR == 1 { print $0 ",scale,measure"; next } { print $0 "," s "," m }' \
        "$tmp/a/results.csv" > "$tmp/$1/results.csv"
}
addcols s1 1 time
addcols s05 0.5 time
addcols ins 1 instructions
"$mpb" compare "$tmp/s1" "$tmp/s05" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'scale' "$tmp/out" || fail "other scale: exit $rc, expected 2 with a word on scale"
"$mpb" compare "$tmp/s1" "$tmp/ins" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'measure mode' "$tmp/out" || fail "other measure mode: exit $rc, expected 2"
"$mpb" compare "$tmp/s1" "$tmp/s05" --force > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'warning' "$tmp/out" || fail "--force: exit $rc, expected 0 with a warning"
"$mpb" compare "$tmp/s1" "$tmp/s1" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "same scale: exit $rc"

# One folder mixing scales is not one matrix: refused everywhere.
mkdir -p "$tmp/mixed"
{ cat "$tmp/s1/results.csv"; tail -n +2 "$tmp/s05/results.csv"; } > "$tmp/mixed/results.csv"
"$mpb" summary "$tmp/mixed" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'mixes rows' "$tmp/out" || fail "mixed scales: summary exit $rc, expected 2"
# Rows written twice (two writers before the lock existed) are counted once.
mkdir -p "$tmp/dup"
{ cat "$tmp/a/results.csv"; tail -n +2 "$tmp/a/results.csv"; } > "$tmp/dup/results.csv"
"$mpb" summary "$tmp/dup" > "$tmp/out" 2>&1 || fail "summary of duplicated rows: exit $?"
grep -q 'repeats run' "$tmp/out" || fail "duplicated rows: no warning"
awk -F, 'NR > 1 && $4 == "wall_s" && $5 + $6 > 7 { bad = 1 } END { exit bad }' "$tmp/dup/summary.csv" \
    || fail "duplicated rows were counted twice"
echo "compare: failed, partly failed, unverified, missing cells and new failing cells are regressions; scale/measure mismatch refused"
