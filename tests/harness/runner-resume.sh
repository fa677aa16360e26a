#!/usr/bin/env bash
# --resume after the runner is killed with SIGKILL in the middle of a
# matrix: `mpbench run --resume DIR` (matrix read back from matrix.txt)
# completes it with every (allocator, workload, threads, rep) exactly once,
# and no workload of the killed runner is left behind. Usage: runner-resume.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=80

csv="$tmp/r/results.csv"
"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 4 \
    --out "$tmp/r" --no-report > "$tmp/out1" 2>&1 &
pid=$!
for _ in $(seq 200); do
    [ -f "$csv" ] && [ "$(wc -l < "$csv")" -ge 6 ] && break
    sleep 0.05
done
exec 3>&2 2>/dev/null     # keep bash's "Killed" job notice out of the log
kill -9 $pid || { exec 2>&3; fail "runner finished before it could be killed"; }
wait $pid
exec 2>&3 3>&-
before=$(csv_rows "$csv")
[ "$before" -ge 5 ] && [ "$before" -lt 16 ] || fail "killed run holds $before rows, expected 5..15"
sleep 0.3
pgrep -f "$tmp/wl-tiny" > /dev/null && fail "the killed runner's workload is still running"

"$mpb" run --resume "$tmp/r" --no-report > "$tmp/out2" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "resume exited $rc: $(tail -1 "$tmp/out2")"
[ "$(csv_rows "$csv")" -eq 16 ] || fail "after resume: $(csv_rows "$csv") rows, expected 16"
dups=$(tail -n +2 "$csv" | cut -d, -f1,3,4,5 | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "after resume: $dups duplicated runs"
[ "$(grep -c ',ok,' "$csv")" -eq 16 ] || fail "after resume: not every row is ok"
grep -q "\[$((16 - before))/$((16 - before))\]" "$tmp/out2" || fail "resume did not run exactly the $((16 - before)) missing runs"

"$mpb" run --resume "$tmp/r" --no-report > "$tmp/out3" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(csv_rows "$csv")" -eq 16 ] || fail "resuming a finished run changed it (exit $rc)"
echo "killed at $before/16 rows, resumed to 16 rows without duplicates"
