#!/usr/bin/env bash
# python3 under libmpalloc: runs tests/real/data/workload.py (dicts, sets,
# big ints, JSON, strings, GC of cycles, threads) with PYTHONMALLOC=malloc
# so every object comes from malloc, and compares its output with glibc's.
# Usage: tests/real/python.sh BUILD   (0 pass, 1 fail, 77 skip)
. "$(dirname "$0")/data/common.sh"
real_need python3
real_tmpdir
export PYTHONMALLOC=malloc PYTHONHASHSEED=0
real_compare python python3 "$real_data/workload.py"
[ -s "$real_tmp/python.glibc" ] || real_fail "python produced no output"
exit 0
