#!/usr/bin/env bash
# The results-folder lock: while `mpbench run` writes a folder, a second run
# into it, a --resume of it, and summary/plot/report writing into it are
# refused with exit 3 and a message naming the holder; after the writer is
# killed with SIGKILL its lock is stale and --resume takes it over and
# completes the matrix with no duplicated run. Usage: runner-lock.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=150

d="$tmp/r" csv="$tmp/r/results.csv"
"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1 --repeat 6 \
    --warmup 0 --no-pin --out "$d" --no-report > "$tmp/out1" 2>&1 &
pid=$!
for _ in $(seq 200); do
    [ -f "$csv" ] && [ "$(wc -l < "$csv")" -ge 2 ] && break
    sleep 0.05
done
kill -0 $pid 2>/dev/null || fail "the first run ended before the test could race it"

"$mpb" run --resume "$d" --no-report > "$tmp/out2" 2>&1; rc=$?
[ $rc -eq 3 ] || fail "--resume of a busy folder: exit $rc, expected 3"
grep -q "in use by another mpbench\|being written by another mpbench" "$tmp/out2" || fail "--resume: message: $(head -1 "$tmp/out2")"
grep -q "pid $pid" "$tmp/out2" || fail "--resume: message does not name the holder (pid $pid): $(head -1 "$tmp/out2")"
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --out "$d" --no-report > "$tmp/out3" 2>&1; rc=$?
[ $rc -eq 3 ] || fail "a new run into a busy folder: exit $rc, expected 3"
for c in summary plot report; do
    "$mpb" $c "$d" > "$tmp/out4" 2>&1; rc=$?
    [ $rc -eq 3 ] || fail "$c of a busy folder: exit $rc, expected 3"
done

exec 3>&2 2>/dev/null
kill -9 $pid
wait $pid
exec 2>&3 3>&-
before=$(csv_rows "$csv")
[ "$before" -lt 12 ] || fail "the first run finished before it was killed"
"$mpb" run --resume "$d" --no-report > "$tmp/out5" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "resume after the holder died: exit $rc: $(tail -2 "$tmp/out5")"
grep -q "taking over the lock" "$tmp/out5" || fail "resume did not say it took over the stale lock"
[ "$(csv_rows "$csv")" -eq 12 ] || fail "after resume: $(csv_rows "$csv") rows, expected 12"
dups=$(tail -n +2 "$csv" | cut -d, -f1,3,4,5 | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "after resume: $dups duplicated runs"
"$mpb" summary "$d" > /dev/null 2>&1 || fail "summary after the run ended: exit $?"
echo "busy folder refused (exit 3) for run, resume, summary, plot, report; stale lock taken over"
