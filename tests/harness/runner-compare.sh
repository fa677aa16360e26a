#!/usr/bin/env bash
# End to end: two real `mpbench run` folders where the second workload is
# made 3x slower (TINY_SLOW=3) are told apart by `mpbench compare A B`
# (non-zero exit: a regression), and A against itself is not.
# Usage: runner-compare.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=30

run() {
    "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 3 --no-pin \
        --out "$1" --no-report > /dev/null 2>&1 || fail "run into $1 failed"
}
run "$tmp/a"
TINY_SLOW=3 run "$tmp/b"
"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2>&1; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 2 ] || fail "3x slower run: compare exit $rc, expected a regression"
"$mpb" compare "$tmp/a" "$tmp/a" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "a folder against itself: compare exit $rc"
echo "compare flags the 3x slower run and passes identical folders"
