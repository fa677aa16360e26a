#!/usr/bin/env bash
# Provenance: a row is `ok` only when the allocator it names served the
# workload's malloc. A library path with a space and a colon (LD_PRELOAD
# splits there) still runs and is verified; a text file, a .so that exports
# no malloc, a .so whose dependency is gone, a statically linked workload
# and a workload that defines malloc itself give no `ok` row, and the row
# says why; glibc itself is verified as glibc. Script workloads: a program
# they start with LD_PRELOAD removed, or a static one, is seen from outside
# (the process tree, while it runs) and the row is not ok either; a script
# whose programs all run on the allocator is ok. Usage: runner-provenance.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10
build_provenance_fixtures
[ -f "$build/lib/mpbench-probe.so" ] || fail "no $build/lib/mpbench-probe.so"

# run NAME ALLOC WORKLOAD: one run of each into $tmp/NAME, exit status in $rc.
run() {
    "$mpb" run --alloc "$2" --workload "$3" --threads 1 --repeat 2 --no-pin --no-report \
        --out "$tmp/$1" > "$tmp/$1.out" 2>&1
    rc=$?
}
# expect_bad NAME PATTERN: no ok row in $tmp/NAME and every row's reason matches.
expect_bad() {
    local csv="$tmp/$1/results.csv"
    [ -f "$csv" ] || fail "$1: no results.csv (exit $rc): $(tail -2 "$tmp/$1.out")"
    [ "$(csv_rows "$csv")" -eq 2 ] || fail "$1: $(csv_rows "$csv") rows, expected 2"
    grep -q ',ok,' "$csv" && fail "$1: a row says ok: $(grep ',ok,' "$csv" | head -1)"
    [ "$(grep -c -- "$2" "$csv")" -eq 2 ] || fail "$1: rows do not say '$2': $(tail -1 "$csv")"
}

run space "$tmp/dir with space/lib pass:1.so" "$tmp/wl-tiny"
[ $rc -eq 0 ] || fail "space: exit $rc: $(tail -2 "$tmp/space.out")"
[ "$(grep -c ',ok,' "$tmp/space/results.csv")" -eq 2 ] || fail "space: rows not ok: $(tail -1 "$tmp/space/results.csv")"
grep -q "dir with space/lib pass:1.so" "$tmp/space/results.csv" || fail "space: lib column lost the real path"
ls -d "${TMPDIR:-/tmp}"/mpbench-preload-* 2>/dev/null | while read -r d; do
    [ -e "$d/0.so" ] && [ "$(readlink "$d/0.so")" = "$tmp/dir with space/lib pass:1.so" ] && echo "$d"
done | grep -q . && fail "space: the preload link folder was left behind"

run text "$tmp/libtext.so" "$tmp/wl-tiny"
expect_bad text "not a shared library"
grep -q ',unverified,' "$tmp/text/results.csv" || fail "text: status is not unverified"
grep -q "warning: allocator .*libtext.so" "$tmp/text.out" || fail "text: no warning before the runs"
grep -q "2 of 2 runs are not ok (unverified 2)" "$tmp/text.out" || fail "text: no closing line on the runs not ok"

run nomalloc "$tmp/libnomalloc.so" "$tmp/wl-tiny"
expect_bad nomalloc "exports no malloc"
grep -q "served by .*libc" "$tmp/nomalloc/results.csv" || fail "nomalloc: reason does not name libc"

run nodep "$tmp/libnodep.so" "$tmp/wl-tiny"
expect_bad nodep "libgone.so"

run own "glibc,$tmp/libpass.so" "$tmp/wl-own"
[ "$(csv_rows "$tmp/own/results.csv")" -eq 4 ] || fail "own: expected 4 rows"
grep -q ',ok,' "$tmp/own/results.csv" && fail "own: a row says ok although the program serves its own malloc"
[ "$(grep -c 'defines its own malloc' "$tmp/own/results.csv")" -eq 4 ] || fail "own: reason missing"

if [ "$have_static" = 1 ]; then
    run static "glibc,$tmp/libpass.so" "$tmp/wl-static"
    [ "$(csv_rows "$tmp/static/results.csv")" -eq 4 ] || fail "static: expected 4 rows"
    grep -q ',ok,' "$tmp/static/results.csv" && fail "static: a row says ok for a statically linked workload"
    [ "$(grep -c 'statically linked' "$tmp/static/results.csv")" -eq 4 ] || fail "static: reason missing"
    grep -q "warning: workload .*statically linked" "$tmp/static.out" || fail "static: no warning"
fi

# Script workloads (the programs they start run for TINY_MS = 400 ms).
printf '#!/bin/sh\nexec env -u LD_PRELOAD "%s" "$@"\n' "$tmp/wl-tiny" > "$tmp/wl-envclear"
printf '#!/bin/sh\n"%s" "$@"\n' "$tmp/wl-tiny" > "$tmp/wl-script"
chmod +x "$tmp/wl-envclear" "$tmp/wl-script"
TINY_MS=400 run envclear "$tmp/libpass.so" "$tmp/wl-envclear"
expect_bad envclear "LD_PRELOAD removed or replaced"
TINY_MS=400 run script "glibc,$tmp/libpass.so" "$tmp/wl-script"
[ "$(grep -c ',ok,' "$tmp/script/results.csv")" -eq 4 ] || fail "script: rows not ok: $(grep -v ',ok,' "$tmp/script/results.csv" | tail -1)"
if [ "$have_static" = 1 ]; then
    printf '#!/bin/sh\n"%s" "$@"\n' "$tmp/wl-static" > "$tmp/wl-staticchild"
    chmod +x "$tmp/wl-staticchild"
    TINY_MS=400 run staticchild "$tmp/libpass.so" "$tmp/wl-staticchild"
    expect_bad staticchild "statically linked and ran without it"
fi

# A program that only takes malloc's address (python3 does) is served all the same.
run addr "glibc,$tmp/libpass.so" "$tmp/wl-addr"
[ "$(grep -c ',ok,' "$tmp/addr/results.csv")" -eq 4 ] || fail "addr: rows not ok: $(grep -v ',ok,' "$tmp/addr/results.csv" | tail -1)"

run good "glibc,$tmp/libpass.so" "$tmp/wl-tiny"
[ $rc -eq 0 ] && [ "$(grep -c ',ok,' "$tmp/good/results.csv")" -eq 4 ] || fail "glibc and libpass.so: rows not ok"
echo "space/colon path verified; text file, no-malloc .so, broken .so, own-malloc and static workloads never ok"
