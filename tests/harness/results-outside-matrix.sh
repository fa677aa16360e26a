#!/usr/bin/env bash
# Rows a run did not write are refused, not pooled: a results.csv edited by
# hand or joined with another run's rows (rep 9 of a --repeat 2 matrix, a
# thread count it never ran) was summarised, reported and merged as if the
# run had measured them (a 0.1 ms row made a cell "noisy" and moved its
# median). summary (and report, compare) refuse the folder (exit 2) naming
# the line, and merge refuses the shard (exit 2, no folder).
# Usage: results-outside-matrix.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=5
run() {
    local out=$1
    shift
    "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 2 --no-pin --warmup 0 \
        --no-report --out "$out" "$@" > "$tmp/run.out" 2>&1 || fail "run into $out: $(tail -2 "$tmp/run.out")"
}
# Appends a copy of the first data row of $1/results.csv with column $2 set to $3.
append() {
    python3 - "$1/results.csv" "$2" "$3" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
r = list(rows[1]); r[rows[0].index(sys.argv[2])] = sys.argv[3]; r[rows[0].index("wall_s")] = "0.0001"
csv.writer(open(sys.argv[1], "a")).writerow(r)
PY
}
run "$tmp/a"
"$mpb" summary "$tmp/a" > "$tmp/out" 2>&1 || fail "summary of the run as written: $(tail -2 "$tmp/out")"
for edit in "rep 9" "threads 4" "rep 0"; do
    rm -rf "$tmp/e" && cp -r "$tmp/a" "$tmp/e"
    append "$tmp/e" $edit
    "$mpb" summary "$tmp/e" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "a row with $edit: summary exit $rc, expected 2: $(tail -3 "$tmp/out")"
    grep -q "results.csv line 4: .*a row this run did not write" "$tmp/out" || fail "a row with $edit: $(cat "$tmp/out")"
    "$mpb" report "$tmp/e" > "$tmp/out" 2>&1 && fail "a row with $edit: report accepted it"
done
echo "summary and report refuse rows outside the run's matrix"

run "$tmp/s1" --shard 1/2
run "$tmp/s2" --shard 2/2
append "$tmp/s1" rep 9
"$mpb" merge "$tmp/m" "$tmp/s1" "$tmp/s2" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "merge of a shard with a rep 9 row: exit $rc, expected 2: $(tail -3 "$tmp/out")"
grep -q 'rep 9 is outside its matrix' "$tmp/out" || fail "merge does not say why: $(cat "$tmp/out")"
[ -e "$tmp/m" ] && fail "merge made its folder"
echo "merge refuses a shard with a row outside its matrix"
exit 0
