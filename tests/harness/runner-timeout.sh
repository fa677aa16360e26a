#!/usr/bin/env bash
# A workload that hangs and an allocator whose malloc hangs are killed at
# --timeout and recorded as `timeout` rows; nothing of theirs is left
# running and the whole run takes about the timeouts, not forever.
# Usage: runner-timeout.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"

start=$(date +%s)
"$mpb" run --alloc "glibc,$tmp/libhang.so" --workload "$tmp/wl-hang" --threads 1 --repeat 1 \
    --timeout 1 --out "$tmp/r" --no-report > "$tmp/out" 2>&1; rc=$?
secs=$(( $(date +%s) - start ))
[ $rc -eq 0 ] || fail "run exited $rc: $(tail -1 "$tmp/out")"
csv="$tmp/r/results.csv"
[ "$(csv_rows "$csv")" -eq 2 ] || fail "expected 2 rows, got $(csv_rows "$csv")"
[ "$(grep -c ',hang,1,1,timeout,' "$csv")" -eq 2 ] || fail "expected 2 timeout rows"
wall=$(csv_get "$csv" wall_s 1)
awk -v w="$wall" 'BEGIN { exit !(w >= 0.9 && w < 3) }' || fail "timeout row wall_s $wall, expected about 1"
[ $secs -lt 20 ] || fail "took ${secs}s for 4 one-second timeouts"
sleep 0.2
pgrep -f "$tmp/wl-hang" > /dev/null && fail "a timed-out process is still running"
echo "hanging workload and hanging malloc: timeout rows, processes killed"
