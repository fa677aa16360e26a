#!/usr/bin/env bash
# trace-stat and replay of files that are not traces (random bytes, a text
# file, an empty file): exit 1 / 2 with "not an mpbench trace", and none of
# the file's bytes shown as the recorded command line.
# Usage: trace-foreign.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || fail "no $mpb after the build"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
head -c 4096 /dev/urandom > "$tmp/random.mpt"
printf 'MPBTRACX not a trace at all, but long enough to hold a whole header %0512d\n' 0 > "$tmp/text.mpt"
: > "$tmp/empty.mpt"
for f in random text empty; do
    "$mpb" trace-stat "$tmp/$f.mpt" > "$tmp/out" 2> "$tmp/err"; rc=$?
    [ $rc -eq 1 ] || fail "$f: trace-stat exit $rc, expected 1"
    grep -q "not an mpbench trace" "$tmp/err" || fail "$f: no 'not an mpbench trace': $(cat "$tmp/err")"
    [ "$(awk '/^command:/ { sub(/^command: ?/, ""); print }' "$tmp/out")" = "" ] ||
        fail "$f: the file's bytes shown as a command line: $(grep -a "^command:" "$tmp/out" | head -c 120)"
    "$mpb" replay "$tmp/$f.mpt" --alloc glibc --repeat 1 --out "$tmp/r-$f" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "$f: replay exit $rc, expected 2"
    [ ! -e "$tmp/r-$f/results.csv" ] || fail "$f: replay wrote results.csv"
done
echo "ok: 3 foreign files refused"
