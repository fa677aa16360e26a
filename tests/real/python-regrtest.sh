#!/usr/bin/env bash
# Python's own regression tests under libmpalloc: a memory-heavy subset
# (dict, list, set, unicode, gc, pickle, deque, bytes, and threading's
# thread and lock tests, ~15 s a run) of Debian's python3 with
# PYTHONMALLOC=malloc, run under glibc and both mpalloc builds; the sorted
# per-test verdicts and the exit status must agree.
# Usage: tests/real/python-regrtest.sh BUILD   (0 pass, 1 fail, 77 skip)
. "$(dirname "$0")/data/common.sh"
real_need awk sort
py=/usr/bin/python3
[ -x "$py" ] || real_skip "no Debian $py"
"$py" -c 'import test.libregrtest' 2>/dev/null ||
    real_skip "python's test suite is missing (apt-get install libpython3.11-testsuite)"
real_tmpdir
export PYTHONMALLOC=malloc PYTHONHASHSEED=0
mods="test_dict test_list test_set test_unicode test_gc test_pickle test_deque test_bytes"
# One verdict line per test method, sorted (workers finish in any order).
steps='"$1" -m test -j2 -v $2 >log 2>&1; a=$?
       "$1" -m test -v test_threading -m ThreadTests -m LockTests >>log 2>&1; b=$?
       grep -E " \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$" log | LC_ALL=C sort
       tail -n 20 log >&2; exit $((a | b))'
real_compare regrtest sh -c "$steps" sh "$py" "$mods"
n=$(grep -c ' ok$' "$real_tmp/regrtest.glibc")
[ "$n" -gt 1000 ] || real_fail "only $n tests passed under glibc"
echo "$n test methods agree under glibc, mpalloc and mpalloc-checked"
exit 0
