#!/usr/bin/env bash
# Runs that go wrong are rows, never lost: a workload killed by SIGSEGV and
# an allocator library whose malloc segfaults give `crash` rows with signal
# SIGSEGV, a workload exiting 3 gives `fail` with exit_code 3, and the run
# itself still exits 0 with every row present. Usage: runner-crash.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"

"$mpb" run --alloc "glibc,$tmp/libsegv.so" --workload "$tmp/wl-tiny,$tmp/wl-segv,$tmp/wl-fail" \
    --threads 1 --repeat 2 --scale 0.2 --out "$tmp/r" --no-report > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "run exited $rc: $(tail -1 "$tmp/out")"
csv="$tmp/r/results.csv"
[ "$(csv_rows "$csv")" -eq 12 ] || fail "expected 12 rows, got $(csv_rows "$csv")"
row() { grep "^$1,[^,]*,$2,1,$3," "$csv"; }
row glibc tiny 1 | grep -q ',ok,' || fail "glibc tiny not ok"
row glibc segv 1 | grep -q ',crash,.*,SIGSEGV,' || fail "segv workload: no crash row with SIGSEGV"
row glibc fail 2 | grep -q ',fail,.*,3,,' || fail "failing workload: no fail row with exit_code 3"
row segv tiny 1 | grep -q ',crash,.*SIGSEGV' || fail "segfaulting malloc: no crash row"
row segv tiny 2 | grep -q '^segv,libsegv.so,' ||
    fail "a .so path is not labelled by its stem with its file name in the variant column"
[ -s "$tmp/r/logs/glibc-segv-t1-1.err" ] || fail "stderr of a run not kept in logs/"
echo "crash and fail rows recorded with signal and exit code"
