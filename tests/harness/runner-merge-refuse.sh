#!/usr/bin/env bash
# mpbench merge accepts only distinct shards of one run: the same folder
# twice (also through a symlink), two copies of one shard, folders run at
# another scale or measure mode, and folders whose rows overlap are refused
# with exit 2 and a message, a folder another mpbench holds with exit 3,
# and OUT is never created for them; the real shards still merge.
# Usage: runner-merge-refuse.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10

shard() {   # shard DIR I/N [extra run options]
    local d=$1 s=$2
    shift 2
    "$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 2 \
        --no-pin --shard "$s" --out "$tmp/$d" --no-report "$@" > /dev/null 2>&1 || fail "shard $d failed"
}
shard s1 1/2
shard s2 2/2
shard s1again 1/2
shard s2half 2/2 --scale 0.5

# refused OUT PATTERN DIR...: merge into $tmp/OUT exits 2 saying PATTERN, OUT not made.
refused() {
    local out=$1 pat=$2
    shift 2
    "$mpb" merge "$tmp/$out" "$@" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "$out: merge exit $rc, expected 2: $(tail -1 "$tmp/out")"
    grep -q -- "$pat" "$tmp/out" || fail "$out: message lacks '$pat': $(tail -1 "$tmp/out")"
    [ -e "$tmp/$out" ] && fail "$out: OUT was created by a refused merge"
    return 0
}
refused m1 "same folder" "$tmp/s1" "$tmp/s1"
ln -s "$tmp/s1" "$tmp/s1link"
refused m2 "same folder" "$tmp/s1" "$tmp/s1link" "$tmp/s2"
refused m3 "both shard 1/2" "$tmp/s1" "$tmp/s1again" "$tmp/s2"
refused m4 "scale differ" "$tmp/s1" "$tmp/s2half"
cp -r "$tmp/s2" "$tmp/s2ins"
sed -i 's/^measure=time$/measure=instructions/' "$tmp/s2ins/matrix.txt"
refused m5 "measure mode differ" "$tmp/s1" "$tmp/s2ins"
cp -r "$tmp/s1" "$tmp/s1as2"
sed -i 's|^shard=1/2$|shard=2/2|' "$tmp/s1as2/matrix.txt"
refused m6 "the run .* is in" "$tmp/s1" "$tmp/s1as2"
refused m7 "not the folder of an" "$tmp/s1" "$tmp"

flock -o "$tmp/s2/.mpbench.lock" sleep 10 &
holder=$!
sleep 0.3
"$mpb" merge "$tmp/m8" "$tmp/s1" "$tmp/s2" > "$tmp/out" 2>&1; rc=$?
kill $holder 2>/dev/null; wait $holder 2>/dev/null
[ $rc -eq 3 ] || fail "merge of a folder in use: exit $rc, expected 3"
[ -e "$tmp/m8" ] && fail "merge of a folder in use created OUT"

"$mpb" merge "$tmp/m" "$tmp/s1" "$tmp/s2" > "$tmp/out" 2>&1 || fail "real shards: merge failed: $(tail -1 "$tmp/out")"
[ "$(csv_rows "$tmp/m/results.csv")" -eq 8 ] || fail "merged results.csv does not hold 8 rows"
echo "same folder, duplicate shard, other scale/measure, overlapping rows, non-run folder: refused; busy: exit 3"
