#!/usr/bin/env bash
# compare's control when glibc did not run in both folders: any allocator
# whose build is the same in A and B (meta.json build ids) moves only with
# the machine. Two runs of mpalloc and jemalloc, the second on a machine
# three CPU hogs slowed 3x, gave "REGRESSION" for both (jemalloc had not
# changed at all) with only a note that there was no control. Now jemalloc
# is the control: it is "control MOVED", mpalloc is not judged (drift, its
# change relative to jemalloc shown), exit 3. With jemalloc's build changed
# too there is no control (as before), and glibc stays the control when it
# ran. The analysis fixture, without glibc, all times x1.5 in B.
# Usage: compare-control.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
. "$here/analysis-fixture.inc"
# fixture DIR JEMALLOC_ID MPALLOC_ID [SLOW]: the fixture without glibc rows,
# with those build ids in meta.json (and its rows).
fixture() {
    mpb_fixture "$1" ${4:+"*" "$4"}
    awk -F, '$1 != "glibc"' "$1/results.csv" > "$1/r" && mv "$1/r" "$1/results.csv"
    python3 - "$1/meta.json" "$2" "$3" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["allocators"] = [{"name": n, "build_id": i} for n, i in
                   (("jemalloc", sys.argv[2]), ("mpalloc", sys.argv[3]), ("tcmalloc", "gnu:t"),
                    ("mimalloc", "gnu:m"))]
json.dump(m, open(sys.argv[1], "w"))
PY
}
fixture "$tmp/a" gnu:je1 mpa:one
fixture "$tmp/b" gnu:je1 mpa:two 1.5
"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 3 ] || fail "drift without glibc: exit $rc, expected 3: $(grep -E 'control|verdict' "$tmp/out")"
grep -q '^control: jemalloc, whose build is the same in A and B' "$tmp/out" || fail "no control named: $(grep control "$tmp/out")"
grep -q '^control: jemalloc MOVED in 6 of 6' "$tmp/out" || fail "the control's move: $(grep control "$tmp/out")"
grep -Eq '^pairs +mpalloc +1 .*not judged: drift \(jemalloc moved x1.50; relative to it x1.00\)' "$tmp/out" ||
    fail "mpalloc judged through the drift: $(grep mpalloc "$tmp/out" | head -2)"
grep -q 'SLOWER$' "$tmp/out" && fail "a cell called SLOWER through the drift: $(grep SLOWER "$tmp/out" | head -2)"
echo "without glibc, an allocator of the same build is the control"

# Every build changed: no control, verdicts as before.
fixture "$tmp/c" gnu:je2 mpa:two 1.5
sed -i 's/"gnu:t"/"gnu:t2"/; s/"gnu:m"/"gnu:m2"/' "$tmp/c/meta.json"
"$mpb" compare "$tmp/a" "$tmp/c" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "every build changed: exit $rc, expected 1 (a regression)"
grep -q '^control: none (no baseline allocator (glibc) ran in both, and no other allocator has the same build' "$tmp/out" ||
    fail "every build changed: $(grep control "$tmp/out")"
# glibc ran in both: it is the control.
mpb_fixture "$tmp/g1" && mpb_fixture "$tmp/g2" "*" 1.5
"$mpb" compare "$tmp/g1" "$tmp/g2" > "$tmp/out" 2>&1
grep -q '^control: glibc MOVED' "$tmp/out" || fail "glibc in both: $(grep control "$tmp/out")"
echo "no control when every build changed; glibc when it ran"
exit 0
