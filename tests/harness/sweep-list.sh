#!/usr/bin/env bash
# `mpbench sweep --list` against allocator/src/tunables.h itself: every
# `#ifndef MPA_X / #define MPA_X v` pair is listed with its default and the
# range from the comment above it; --markdown gives the same as a table; bad
# sweep usage (unknown tunable, no workload, no out) exits 2. (grep reads
# here-strings: `printf | grep -q` under pipefail fails when grep quits early.)
# Usage: sweep-list.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
here=$(cd "$(dirname "$0")" && pwd)
hdr="$here/../../allocator/src/tunables.h"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || { echo "FAIL: no $mpb after the build"; exit 1; }
[ -f "$hdr" ] || fail "no $hdr"
export MPB_SRC_DIR="$here/../.."
out=$("$mpb" sweep --list) || fail "sweep --list exited $?"
md=$("$mpb" sweep --list --markdown) || fail "sweep --list --markdown exited $?"
# name default range, from the header: comment line, #ifndef, #define.
expect=$(awk '/^#ifndef MPA_/ { name = $2; doc = prev; next }
    name != "" && $1 == "#define" && $2 == name && NF >= 3 {
        r = "?"; if (match(doc, /range: *[-0-9]+\.\.[-0-9]+/)) { r = substr(doc, RSTART, RLENGTH); sub(/range: */, "", r) }
        print name, $3, r }
    { if ($1 != "#ifndef") name = ""; prev = $0 }' "$hdr")
n=$(printf '%s\n' "$expect" | grep -c MPA_)
[ "$n" -ge 10 ] || fail "found only $n tunables in $hdr"
while read -r name def range; do
    grep -Eq "^$name +$def +${range//./\\.} " <<< "$out" ||
        fail "--list line for $name does not say default $def, range $range"
    grep -Fq "| \`$name\` | $def | $range |" <<< "$md" ||
        fail "--list --markdown row for $name missing or wrong"
done <<< "$expect"
listed=$(printf '%s\n' "$out" | grep -c '^MPA_')
[ "$listed" -eq "$n" ] || fail "--list shows $listed tunables, the header has $n"
"$mpb" sweep --tunable MPA_NO_SUCH=1 -w pairs --out /nonexistent/x > /dev/null 2>&1
[ $? -eq 2 ] || fail "unknown tunable: expected exit 2"
"$mpb" sweep --tunable MPA_MANTISSA_BITS=1 --out /nonexistent/x > /dev/null 2>&1
[ $? -eq 2 ] || fail "no --workload: expected exit 2"
"$mpb" sweep --tunable MPA_MANTISSA_BITS=1,1 -w pairs --out /nonexistent/x > /dev/null 2>&1
[ $? -eq 2 ] || fail "repeated value: expected exit 2"
"$mpb" sweep --help | grep -q -- '--tunable' || fail "sweep --help does not mention --tunable"
echo "sweep --list matches $hdr ($n tunables); bad usage refused"
