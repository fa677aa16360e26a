#!/usr/bin/env bash
# A cell whose runs did not all end ok gets no verdict: its median is of the
# runs that survived, and the runs lost (a timeout, a crash) may be the slow
# ones. An allocator that crashed in 3 of 12 runs was ranked first without a
# word ("flaky is first by median", or "ran 1.2x faster" with enough runs),
# as hyperfine once printed a ratio from a killed command. Now its ranking
# line says "N of M runs failed", the verdict line names it as not judged,
# the warnings (on screen and in report.md) name the cell and its statuses,
# and the report's ranking says its geomean holds such cells (the exports'
# verdict is "not judged (runs failed)"). The fixture's mpalloc
# churn t2 cell: 5 ok runs, a timeout and a crash. A cell where no run ended
# ok is named in its ranking line, a warning and the exports (it was left out
# without a word: a workload whose every run failed had no line at all).
# Usage: digest-failed.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
. "$here/analysis-fixture.inc"
mpb_fixture "$tmp/f"
"$mpb" summary "$tmp/f" > "$tmp/out" 2>&1 || fail "summary: $(tail -2 "$tmp/out")"
grep -q '^  churn, 2 threads (wall time): mpalloc 2.400 s (2 of 7 runs failed) < tcmalloc' "$tmp/out" ||
    fail "ranking line: $(grep 'churn, 2 threads' "$tmp/out")"
line=$(grep -A1 '^  churn, 2 threads' "$tmp/out" | tail -1)
case $line in
*faster*) fail "a verdict from the survivors: $line" ;;
*"not judged against tcmalloc, mimalloc, jemalloc, glibc (runs that did not end ok: mpalloc 2 of 7"*) ;;
*) fail "verdict line: $line" ;;
esac
grep -Eq '^      mpalloc ran 1.17x .* faster than tcmalloc' "$tmp/out" ||
    fail "cells without failed runs lost their verdicts: $(grep -A1 'pairs, 1 thread' "$tmp/out")"
grep -q '1 cell was measured with runs that did not end ok (first: mpalloc churn t2, 2 of 7: timeout x1 crash x1)' "$tmp/out" ||
    fail "no warning: $(grep -A4 Warnings "$tmp/out")"
"$mpb" report "$tmp/f" > /dev/null 2>&1 || fail "report"
grep -q 'runs that did not end ok (first: mpalloc churn t2' "$tmp/f/report.md" || fail "report.md lacks the warning"
grep -q '^\*\*Runs lost\*\*: the geomean of mpalloc (1 cell)' "$tmp/f/report.md" ||
    fail "report ranking: $(sed -n '/## Ranking/,/## Plots/p' "$tmp/f/report.md")"

# A cell where no run ended ok (jemalloc larson t1: 5 crashes; every larson
# t2 run failed) was left out of the digest and the exports without a word:
# the user saw a ranking without it, or no line at all for the workload.
mkdir -p "$tmp/l"
awk -F, -v OFS=, '$3 == "larson" && $5 > 0 && (($1 == "jemalloc" && $4 == 1) || $4 == 2) { $6 = ($4 == 2 ? "fail" : "crash") } 1' \
    "$tmp/f/results.csv" > "$tmp/l/results.csv"
cp "$tmp/f/meta.json" "$tmp/l/"
"$mpb" summary "$tmp/l" > "$tmp/out" 2>&1 || fail "summary: $(tail -2 "$tmp/out")"
grep -q '^  larson, 1 thread (wall time): mpalloc .* < glibc [0-9.]* s; no ok run: jemalloc (crash x5)$' "$tmp/out" ||
    fail "an allocator with no ok run left out of the ranking: $(grep 'larson, 1 thread' "$tmp/out")"
grep -q '^  larson, 2 threads (wall time): no ok run: glibc (fail x5), jemalloc (fail x5), tcmalloc (fail x5), mimalloc (fail x5), mpalloc (fail x5)$' "$tmp/out" ||
    fail "a workload whose runs all failed has no line: $(grep -A1 'larson' "$tmp/out")"
grep -q '6 of 30 cells had no run that ended ok (first: jemalloc larson t1: crash x5)' "$tmp/out" ||
    fail "no warning of cells without an ok run: $(grep -A5 Warnings "$tmp/out")"
"$mpb" report "$tmp/l" > /dev/null 2>&1 || fail "report"
grep -q 'cells had no run that ended ok' "$tmp/l/report.md" || fail "report.md lacks the warning"
# A real run with a workload that always fails: named on screen and in the exports.
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny,$tmp/wl-fail" --threads 1 --repeat 1 --warmup 0 \
    --export-json "$tmp/r.json" --export-markdown "$tmp/r.md" --out "$tmp/r" > "$tmp/out" 2>&1
grep -q '^  fail, 1 thread (wall time): no ok run: glibc (fail x1)$' "$tmp/out" ||
    fail "run's digest: $(sed -n '/^Summary/,$p' "$tmp/out")"
grep -q '^| glibc | - | - | - | - | no ok run (fail x1) | |$' "$tmp/r.md" || fail "export-markdown: $(cat "$tmp/r.md")"
python3 - "$tmp/r.json" <<'PY' || fail "export-json: $(cat "$tmp/r.json" | head -c 600)"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["rankings"] if g["workload"] == "fail"]
assert g and g[0]["ranking"] == [] and g[0]["no_ok_run"] == [{"allocator": "glibc", "failures": {"fail": 1}}], g
assert any("had no run that ended ok" in w for w in d["warnings"]), d["warnings"]
PY
echo "a cell with failed runs: flagged, not judged, warned of; a cell with none ok: named"
exit 0
