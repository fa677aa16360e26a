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
# churn t2 cell: 5 ok runs, a timeout and a crash.
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
echo "a cell with failed runs: flagged, not judged, warned of"
exit 0
