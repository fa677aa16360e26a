#!/usr/bin/env bash
# GNU sort under libmpalloc: sorts 300 000 deterministically generated lines
# (numeric, keyed and plain, with a small buffer so it merges) and compares
# the result with glibc's run byte for byte.
# Usage: tests/real/sort.sh BUILD   (0 pass, 1 fail, 77 skip)
. "$(dirname "$0")/data/common.sh"
real_need sort awk
real_tmpdir
awk 'BEGIN { x = 12345; for (i = 0; i < 300000; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        printf "%d %s%d %x\n", x % 100000, substr("kqzjmwpatb", x % 10 + 1, 1 + x % 7), i, x } }' \
    >"$real_tmp/input.txt" || real_fail "could not generate input"
export LC_ALL=C
real_compare plain sort input.txt
real_compare keyed sort -k2,2 -k1,1n --parallel=2 -S 4M input.txt
real_compare numeric sort -n -r -u --parallel=2 input.txt
exit 0
