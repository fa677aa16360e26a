#!/usr/bin/env bash
# The digest at the end of run (and of `mpbench summary`): per workload and
# threads the allocators ranked by time, "X ran N x [lo, hi] faster than Y"
# only where the interval allows (never from fewer than 5 ok runs), noise
# flags; warnings for runs too short to time (with the scale that fixes
# them) and noisy cells, on screen and in report.md; --export-json and
# --export-markdown of run and compare; compare's summary per workload; and
# compare of folders without a common cell exits 2. Usage: digest.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
. "$here/analysis-fixture.inc"
mpb_fixture "$tmp/f"
"$mpb" summary "$tmp/f" > "$tmp/out" 2>&1 || fail "summary: $(tail -2 "$tmp/out")"
grep -q '^  pairs, 1 thread (wall time): mpalloc 1.200 s < tcmalloc 1.400 s < mimalloc 1.500 s < jemalloc 1.600 s < glibc 2.000 s$' "$tmp/out" ||
    fail "ranking line: $(grep 'pairs, 1 thread' "$tmp/out")"
grep -Eq '^      mpalloc ran 1.17x \[1\.[0-9]+, 1\.[0-9]+\] faster than tcmalloc, 1.25x .* faster than mimalloc, 1.33x .* faster than jemalloc, 1.67x .* faster than glibc$' "$tmp/out" ||
    fail "verdict line: $(grep -A1 'pairs, 1 thread' "$tmp/out" | tail -1)"
grep -q "under 100 ms\|noisy" "$tmp/out" && fail "warnings for a quiet fixture of long runs: $(grep -A3 Warnings "$tmp/out")"

# Short and noisy: times / 100, one cell's runs spread.
mkdir -p "$tmp/s"
awk -F, -v OFS=, 'NR > 1 && $6 == "ok" { $7 = $7 / 100; if ($1 == "jemalloc" && $3 == "pairs" && $4 == 1 && $5 == 2) $7 = $7 * 3 } 1' \
    "$tmp/f/results.csv" > "$tmp/s/results.csv"
cp "$tmp/f/meta.json" "$tmp/s/"
"$mpb" summary "$tmp/s" > "$tmp/out" 2>&1 || fail "summary of the short fixture"
grep -q "cells ran under 100 ms (shortest: 6.0 ms, mpalloc pairs t2)" "$tmp/out" ||
    fail "no short-run warning: $(grep -A3 Warnings "$tmp/out")"
grep -q "pairs (about 33x its scale)" "$tmp/out" || fail "no fix for the short runs: $(grep 'under 100' "$tmp/out")"
grep -q "1 of 30 cells are noisy.*(first: jemalloc pairs t1" "$tmp/out" || fail "no noisy warning: $(grep -A3 Warnings "$tmp/out")"
grep -q "jemalloc 16.0 ms (noisy, too short)" "$tmp/out" || fail "the noisy cell is not flagged in its ranking"
"$mpb" report "$tmp/s" > /dev/null || fail "report"
grep -q '^## Warnings' "$tmp/s/report.md" && grep -q 'cells ran under 100 ms' "$tmp/s/report.md" ||
    fail "report.md lacks the warnings"
# Too few runs: no verdict, said so.
awk -F, 'NR == 1 || $5 <= 2' "$tmp/f/results.csv" > "$tmp/few.csv"
mkdir -p "$tmp/few" && mv "$tmp/few.csv" "$tmp/few/results.csv"
"$mpb" summary "$tmp/few" > "$tmp/out" 2>&1 || fail "summary of 2 runs"
grep -q 'mpalloc is first by median, not judged against tcmalloc, mimalloc, jemalloc, glibc (2 ok runs in a cell; 5 needed)' "$tmp/out" ||
    fail "2 runs judged: $(grep -A1 'pairs, 1 thread' "$tmp/out" | tail -1)"

# A real run: the digest before the report's path (the last line), exports.
"$mpb" run --alloc "glibc,pass=$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1 --repeat 2 \
    --warmup 0 --export-json "$tmp/r.json" --export-markdown "$tmp/r.md" --out "$tmp/r" > "$tmp/out" 2> "$tmp/err" ||
    fail "run: $(tail -2 "$tmp/err")"
[ "$(tail -n 1 "$tmp/out")" = "$tmp/r/report.md" ] || fail "last line: $(tail -n 1 "$tmp/out")"
grep -q "^Summary of $tmp/r" "$tmp/out" && grep -q '^  tiny, 1 thread (wall time):' "$tmp/out" ||
    fail "no digest at the end of run: $(cat "$tmp/out")"
python3 - "$tmp/r.json" <<'PY' || fail "export-json: $(head -c 300 "$tmp/r.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["meta"]["matrix"]["repeat"] == 2, d["meta"]
assert len(d["cells"]) == 2 and {c["allocator"] for c in d["cells"]} == {"glibc", "pass"}
c = d["cells"][0]
assert len(c["metrics"]["wall_s"]["values"]) == 2 and c["metrics"]["wall_s"]["median"] > 0
assert d["rankings"][0]["workload"] == "tiny" and len(d["rankings"][0]["ranking"]) == 2
assert any("under 100 ms" in w for w in d["warnings"]), d["warnings"]
PY
grep -q '^| allocator | median | min | max | relative to ' "$tmp/r.md" || fail "export-markdown: $(head -5 "$tmp/r.md")"

# compare: summary per workload, exports, no common cell.
mpb_fixture "$tmp/g" mpalloc 1.5
"$mpb" compare "$tmp/f" "$tmp/g" --export-json "$tmp/c.json" --export-markdown "$tmp/c.md" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "compare of a slower mpalloc: exit $rc"
grep -q '^Summary by workload (wall_s' "$tmp/out" && grep -Eq '^  pairs: .*2 SLOWER.*worst mpalloc t[12] x1.50' "$tmp/out" ||
    fail "compare summary: $(sed -n '/Summary by/,$p' "$tmp/out")"
python3 -c "import json,sys; d=json.load(open('$tmp/c.json')); assert d['verdict']=='REGRESSION' and d['exit_status']==1; assert any(r['class']=='WORSE' and r['allocator']=='mpalloc' for r in d['cells'])" ||
    fail "compare export-json"
grep -q 'verdict: \*\*REGRESSION\*\* (exit 1)' "$tmp/c.md" || fail "compare export-markdown"
"$mpb" compare "$tmp/f" "$tmp/r" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "no cell (allocator, workload, threads) in common" "$tmp/out" ||
    fail "compare without a common cell: exit $rc: $(tail -2 "$tmp/out")"
echo "digest: rankings, verdicts only with enough runs, warnings, exports; compare summary and exports"
