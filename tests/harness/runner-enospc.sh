#!/usr/bin/env bash
# A full disk while writing results: the run stops with exit 4 and a
# message naming the error, and every row already in results.csv is whole.
# Uses a tiny tmpfs (needs root to mount; skipped with 77 otherwise).
# Usage: runner-enospc.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=1
mkdir "$tmp/small"
mount -t tmpfs -o size=48k tmpfs "$tmp/small" 2>/dev/null || { echo "cannot mount a tmpfs (not root?)"; exit 77; }
trap 'umount "$tmp/small"; rm -rf "$tmp"' EXIT

"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 200 \
    --out "$tmp/small/r" --no-report > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 4 ] || fail "full disk: exit $rc, expected 4: $(tail -1 "$tmp/out")"
grep -q "No space left on device" "$tmp/out" || fail "no ENOSPC message: $(grep mpbench: "$tmp/out" | head -1)"
csv="$tmp/small/r/results.csv"
if [ -f "$csv" ]; then
    n=$(head -1 "$csv" | awk -F, '{ print NF }')
    awk -F, -v n="$n" 'NF != n { bad = 1 } END { exit bad }' "$csv" || fail "a torn row in results.csv"
    [ -z "$(tail -c 1 "$csv")" ] || fail "results.csv does not end with a newline"
fi
echo "disk full: exit 4 with the error; $(( $(wc -l < "$csv") - 1 )) whole rows kept"

# On the full disk, summary and report fail (exit 2) and leave no half-written
# file behind (a 0-byte report.md.tmp stayed before).
"$mpb" summary "$tmp/small/r" > "$tmp/out" 2>&1; src=$?
"$mpb" report "$tmp/small/r" > "$tmp/out2" 2>&1; rrc=$?
[ $rrc -ne 0 ] || fail "report on a full disk: exit 0"
left=$(find "$tmp/small/r" -name '*.tmp')
[ -z "$left" ] || fail "temporary files left after summary (exit $src) and report (exit $rrc): $left"
echo "summary exit $src, report exit $rrc on the full disk, no .tmp left"
