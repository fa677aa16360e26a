#!/usr/bin/env bash
# A small matrix run as 3 shards through GNU parallel (as on several
# machines), merged with `mpbench merge`, gives the same summary as the
# same matrix run at once: the same cells with the same numbers of ok runs,
# and the shards' timeline.csv samples all in the merged folder.
# Usage: runner-parallel.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
command -v parallel > /dev/null || { echo "no GNU parallel (apt-get install parallel)"; exit 77; }
export TINY_MS=10
matrix=(--alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 2 --warmup 0)

"$mpb" run "${matrix[@]}" --out "$tmp/single" > /dev/null 2>&1 || fail "single run failed"
parallel --will-cite --halt now,fail=1 -j 3 "$mpb" run "${matrix[@]}" --shard {}/3 \
    --out "$tmp/shard{}" --no-report ::: 1 2 3 > "$tmp/par.out" 2>&1 ||
    fail "parallel shards failed: $(tail -3 "$tmp/par.out")"
"$mpb" merge "$tmp/merged" "$tmp/shard1" "$tmp/shard2" "$tmp/shard3" > /dev/null 2>&1 ||
    fail "merge failed"
# summary.csv: compare the cell keys and run counts (timings differ run to run)
keys() { python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = [c for c in ("allocator", "workload", "threads", "metric", "n") if c in rows[0]]
for r in sorted(tuple(r[c] for c in cols) for r in rows):
    print(",".join(r))
PY
}
keys "$tmp/single/summary.csv" > "$tmp/k1" || fail "cannot read the single run's summary.csv"
keys "$tmp/merged/summary.csv" > "$tmp/k2" || fail "cannot read the merged summary.csv"
[ -s "$tmp/k1" ] || fail "empty summary"
diff "$tmp/k1" "$tmp/k2" > "$tmp/diff" || fail "merged summary differs: $(head -5 "$tmp/diff")"
n=$(tail -n +2 "$tmp/merged/results.csv" | wc -l)
[ "$n" -eq 8 ] || fail "merged results.csv holds $n rows, expected 8"
t=$(cat "$tmp"/shard?/timeline.csv | grep -vc '^allocator,')
[ "$(tail -n +2 "$tmp/merged/timeline.csv" | wc -l)" -eq "$t" ] ||
    fail "merged timeline.csv does not hold the shards' $t samples"
echo "3 shards through GNU parallel merged into the single run's $(wc -l < "$tmp/k1") summary cells"
