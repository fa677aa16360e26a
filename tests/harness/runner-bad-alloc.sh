#!/usr/bin/env bash
# Bad allocator and workload names: an unknown allocator, a path to a .so
# that does not exist and an unknown workload each exit 2 with a clear
# message, and leave no results folder behind. Usage: runner-bad-alloc.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"

"$mpb" run --alloc glibc,nosuchalloc --workload "$tmp/wl-tiny" --out "$tmp/a" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown allocator: exit $rc, expected 2"
grep -q "unknown allocator 'nosuchalloc'" "$tmp/out" || fail "unknown allocator: message: $(head -1 "$tmp/out")"
[ -e "$tmp/a/results.csv" ] && fail "unknown allocator: results.csv was created"

"$mpb" run --alloc "$tmp/missing/libnone.so" --workload "$tmp/wl-tiny" --out "$tmp/b" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing .so: exit $rc, expected 2"
grep -q "library not found" "$tmp/out" || fail "missing .so: message: $(head -1 "$tmp/out")"

"$mpb" run --alloc mpalloc-nosuchvariant --workload "$tmp/wl-tiny" --out "$tmp/c" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing variant: exit $rc, expected 2"

"$mpb" run --alloc glibc --workload nosuchworkload --out "$tmp/d" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown workload: exit $rc, expected 2"
grep -q "unknown workload 'nosuchworkload'" "$tmp/out" || fail "unknown workload: message: $(head -1 "$tmp/out")"
echo "unknown allocator, missing .so and unknown workload: exit 2 with a message"
