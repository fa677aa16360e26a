#!/usr/bin/env bash
# mpbench's help and dispatch: `mpbench --help`, `mpbench run --help`,
# `mpbench list` and `merge --help` exit 0 and say what they do; an unknown
# command and a missing --out exit 2. Usage: runner-help.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"

"$mpb" --help > "$tmp/out" 2>&1 || fail "mpbench --help exited $?"
grep -q '^  run ' "$tmp/out" || fail "mpbench --help does not list run"
"$mpb" run --help > "$tmp/out" 2>&1 || fail "mpbench run --help exited $?"
for opt in --alloc --workload --threads --repeat --out --quick --resume --timeout --shard --measure; do
    grep -q -- "$opt" "$tmp/out" || fail "run --help does not mention $opt"
done
"$mpb" merge --help > /dev/null 2>&1 || fail "mpbench merge --help exited $?"
"$mpb" list > "$tmp/out" 2>&1 || fail "mpbench list exited $?"
grep -q 'glibc *found' "$tmp/out" || fail "mpbench list does not show glibc as found"
"$mpb" no-such-command > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown command: exit $rc, expected 2"
"$mpb" run --alloc glibc > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "run without --out: exit $rc, expected 2"
"$mpb" run --threads 0 --out "$tmp/x" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--threads 0: exit $rc, expected 2"
echo "help, list and dispatch behave"
