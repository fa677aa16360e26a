#!/usr/bin/env bash
# A second run into a folder that holds one is refused with exit 2 and a
# message pointing at --resume, and the folder is left untouched;
# --resume on a folder with no run is refused too. Usage: runner-refuse.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10

"$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --out "$tmp/r" \
    --no-report > /dev/null 2>&1 || fail "first run failed"
sum=$(md5sum "$tmp/r/results.csv" "$tmp/r/meta.json")
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --out "$tmp/r" \
    --no-report > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "second run into the same folder: exit $rc, expected 2"
grep -q "already holds a run; use --resume" "$tmp/out" || fail "message: $(head -1 "$tmp/out")"
[ "$sum" = "$(md5sum "$tmp/r/results.csv" "$tmp/r/meta.json")" ] || fail "refused run changed the folder"
mkdir "$tmp/empty"
"$mpb" run --resume "$tmp/empty" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--resume of an empty folder: exit $rc, expected 2"
echo "second run into a used folder refused with exit 2"
