#!/usr/bin/env bash
# A full disk while writing results: the run stops with exit 4 and a
# message naming the error, and every row already in results.csv is whole.
# mpbench's own I/O failures are never an allocator's row: the runs it could
# not start (their probe or log file could not be written) were rows of
# status error, filed under the allocator (26 of 53 rows); now the matrix
# stops there, and every row kept is a real measurement (status ok).
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
    bad=$(awk -F, 'NR > 1 && $6 != "ok"' "$csv" | head -3)
    [ -z "$bad" ] || fail "mpbench's own I/O failure filed as the allocator's row: $bad"
fi
echo "disk full: exit 4 with the error; $(( $(wc -l < "$csv") - 1 )) whole rows kept"

# On the full disk, summary and report fail (exit 2) and leave no half-written
# file behind (a 0-byte report.md.tmp stayed before). (The run stops before
# the last byte is used: fill what is left.)
cat /dev/zero > "$tmp/small/fill" 2>/dev/null
"$mpb" summary "$tmp/small/r" > "$tmp/out" 2>&1; src=$?
"$mpb" report "$tmp/small/r" > "$tmp/out2" 2>&1; rrc=$?
[ $rrc -ne 0 ] || fail "report on a full disk: exit 0"
left=$(find "$tmp/small/r" -name '*.tmp')
[ -z "$left" ] || fail "temporary files left after summary (exit $src) and report (exit $rrc): $left"
echo "summary exit $src, report exit $rrc on the full disk, no .tmp left"

# The disk fills during a run (here the workload fills it and fails): the
# failure may be the disk's, not the allocator's, so it is no row either
# (it was the allocator's `fail` row).
rm -f "$tmp/small/fill"
rm -rf "$tmp/small/r"
cat > "$tmp/wl-fill" <<'SH'
#!/usr/bin/env bash
cat /dev/zero > "$FILL" 2>/dev/null
echo "wl-fill: no space left for my data" >&2
exit 1
SH
chmod +x "$tmp/wl-fill"
FILL="$tmp/small/junk" "$mpb" run --alloc glibc --workload "$tmp/wl-fill" --threads 1 --repeat 3 \
    --warmup 0 --no-pin --out "$tmp/small/r" --no-report > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 4 ] || fail "disk filled during the run: exit $rc, expected 4: $(tail -2 "$tmp/out")"
grep -q "mpbench's own failure, not the allocator's" "$tmp/out" || fail "no message: $(tail -2 "$tmp/out")"
bad=$(awk -F, 'NR > 1' "$csv" | head -3)
[ -z "$bad" ] || fail "a run on the disk that filled became the allocator's row: $bad"
echo "disk filled during a run: exit 4, no row blamed on the allocator"
