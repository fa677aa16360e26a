#!/usr/bin/env bash
# --shard I/N splits the cells between runs and `mpbench merge OUT A B`
# joins them: every cell lands in exactly one shard, the merged results.csv
# holds all rows once, meta.json gains "merged_from", and merging into an
# existing OUT is refused. Usage: runner-merge.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10

for i in 1 2; do
    "$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 2 \
        --shard $i/2 --out "$tmp/s$i" --no-report > /dev/null 2>&1 || fail "shard $i/2 failed"
done
a=$(csv_rows "$tmp/s1/results.csv") b=$(csv_rows "$tmp/s2/results.csv")
[ "$a" -eq 4 ] && [ "$b" -eq 4 ] || fail "shards hold $a and $b rows, expected 4 and 4"
"$mpb" merge "$tmp/m" "$tmp/s1" "$tmp/s2" > "$tmp/out" 2>&1 || fail "merge failed: $(tail -1 "$tmp/out")"
[ "$(csv_rows "$tmp/m/results.csv")" -eq 8 ] || fail "merged results.csv does not hold 8 rows"
dups=$(tail -n +2 "$tmp/m/results.csv" | cut -d, -f1,3,4,5 | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "merged results.csv has $dups duplicated runs"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert len(m["merged_from"]) == 2' \
    "$tmp/m/meta.json" || fail "merged meta.json lacks merged_from"
"$mpb" merge "$tmp/m" "$tmp/s1" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "merge into an existing folder: exit $rc, expected 2"
echo "two shards of 4 rows merged into 8, existing OUT refused"
