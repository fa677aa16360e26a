#!/usr/bin/env bash
# --measure instructions runs each cell under callgrind and records its
# instruction count (Ir) in the instructions column; the callgrind output
# stays in logs/. The report ranks by instructions, not by the valgrind
# runs' wall time, and the time plot shows instructions. Skipped (77)
# without valgrind. Usage: runner-instructions.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
command -v valgrind > /dev/null || { echo "valgrind not installed"; exit 77; }
export TINY_MS=10

"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1 --repeat 1 \
    --measure instructions --out "$tmp/r" --no-report > "$tmp/out" 2>&1 || fail "run failed: $(tail -1 "$tmp/out")"
csv="$tmp/r/results.csv"
for row in 1 2; do
    ir=$(csv_get "$csv" instructions $row)
    [ "$ir" -gt 10000 ] 2>/dev/null || fail "row $row: instructions '$ir'"
    [ "$(csv_get "$csv" measure $row)" = instructions ] || fail "row $row: measure column"
done
ls "$tmp/r/logs/"*callgrind* > /dev/null 2>&1 || fail "no callgrind output in logs/"
"$mpb" summary "$tmp/r" > /dev/null && "$mpb" report "$tmp/r" > /dev/null || fail "summary/report failed"
want=$(awk -F, '$1 == "pass" && $4 == "instructions" { printf "%.2f", $12 }' "$tmp/r/summary.csv")
grep -q '| # | allocator | instructions vs glibc |' "$tmp/r/report.md" ||
    fail "the ranking is not by instructions: $(grep '| # |' "$tmp/r/report.md")"
grep -q "^| [12] | pass | $want |" "$tmp/r/report.md" ||
    fail "pass's rank value is not its instructions ratio $want: $(grep '| pass |' "$tmp/r/report.md" | head -1)"
if command -v gnuplot > /dev/null; then
    "$mpb" plot "$tmp/r" > /dev/null || fail "plot failed"
    grep -q "Instructions per workload" "$tmp/r/plots/time_t1.gp" || fail "time_t1 does not plot instructions"
fi
echo "callgrind instruction counts recorded: $(csv_get "$csv" instructions 1), $(csv_get "$csv" instructions 2)"
