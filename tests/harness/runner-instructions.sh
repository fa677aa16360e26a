#!/usr/bin/env bash
# --measure instructions runs each cell under callgrind and records its
# instruction count (Ir) in the instructions column; the callgrind output
# stays in logs/. Skipped (77) without valgrind. Usage: runner-instructions.sh BUILD
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
echo "callgrind instruction counts recorded: $(csv_get "$csv" instructions 1), $(csv_get "$csv" instructions 2)"
