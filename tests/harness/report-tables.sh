#!/usr/bin/env bash
# report.md's tables hold the rows that have something to show: a metric
# only some workloads report (RSS after free: the phase workload alone in
# the default matrix) gets only their rows and says so (it was a table of
# 18 rows, 16 of them empty), and no table has rows of a thread count a
# workload never ran at. Usage: report-tables.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || fail "no $mpb"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$here/analysis-fixture.inc"
mpb_fixture "$tmp/f"
# rss_after_kb for pairs only; a workload "once" that ran at 1 thread only
awk -F, -v OFS=, 'NR == 1 { print $0, "rss_after_kb"; next }
    { print $0, ($3 == "pairs" && $6 == "ok" ? 5000 : "") }
    $3 == "larson" && $4 == 1 && $6 == "ok" { $3 = "once"; print $0, "" }' "$tmp/f/results.csv" > "$tmp/r.csv"
mv "$tmp/r.csv" "$tmp/f/results.csv"
"$mpb" report "$tmp/f" > /dev/null 2>&1 || fail "report failed"
r="$tmp/f/report.md"
table() { sed -n "/^## $1/,/^## /p" "$r" | grep -c '^| [a-z][^|]* | [0-9]'; }
[ "$(table 'RSS after free')" -eq 2 ] || fail "RSS after free rows: $(sed -n '/^## RSS after free/,/^## /p' "$r")"
grep -q 'Only the 2 of 7 workload and thread cells that report `rss_after_kb` are shown.' "$r" ||
    fail "no note under the RSS after free table"
[ "$(table 'Wall time')" -eq 7 ] || fail "wall time table: $(table 'Wall time') rows, expected 7 (once has no 2-thread row)"
grep -q '^| once | 2 |' "$r" && fail "a row for a thread count 'once' never ran at"
echo "report tables: rows with values only"
