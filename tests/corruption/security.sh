#!/usr/bin/env bash
# Security suite (BUILD/tests/corruption/security, programs in the style of
# mimalloc-bench's security tests): 25 misuse cases at 4 sizes (16 B,
# 1000 B, 40000 B, 1 MiB) and 16 without a size, 116 programs, each run in a
# child under glibc, the fast, the checked and the debug build. A program
# is caught when it does not print NOT_CAUGHT (an allocator's report, or any
# signal, stopped it first) and did not time out; "with a message" counts
# the reports whose first line starts with "mpalloc: ". Prints the counts
# per build; fails when the debug build misses a case of DEBUG_GAPS's
# complement (the cases it is known to catch), or catches fewer than
# DEBUG_MIN. Usage: tests/corruption/security.sh BUILD [LIB...]
# (extra LIBs, e.g. a rival's .so, are counted too, never judged).
set -uo pipefail

build=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "FAIL: no build folder ${1:-build}"; exit 1; }
shift
prog=$build/tests/corruption/security
for f in "$prog" "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" \
    "$build/lib/libmpalloc-debug.so"; do
    [ -e "$f" ] || { echo "FAIL: no $f after the build (make tests checked debug)"; exit 1; }
done
ulimit -c 0

sizes="16 1000 40000 1048576"
DEBUG_MIN=102
# Cases the debug build is known to miss (CASE@SIZE, or CASE for all sizes):
# writes a mebibyte away, which land in other mapped memory of the heap,
# copies just before a block with no call after them (only small objects
# are verified at the next call), and the two zeroing properties (the debug build fills new and freed
# memory with patterns that make uninitialised reads and stale pointers
# visible; a freed block whose pages were made inaccessible faults).
DEBUG_GAPS="overflow_1m underflow_1m@1048576 zero_on_malloc zero_after_free@16
 zero_after_free@1000 zero_after_free@40000 memcpy_underflow_1@1048576
 memcpy_underflow_32@1048576"

declare -A gap
for g in $DEBUG_GAPS; do gap[$g]=1; done

out=$(mktemp) && err=$(mktemp) || exit 1
trap 'rm -f "$out" "$err"' EXIT

# run LIB CASE SIZE: sets caught (0/1) and msg (1 when an mpalloc report).
run() {
    local rc
    rc=$({ timeout -k 5 60 env ${1:+LD_PRELOAD="$1"} "$prog" "$2" "$3" >"$out" 2>"$err"; echo $?; } 2>/dev/null)
    caught=1 msg=0
    grep -q NOT_CAUGHT "$out" && caught=0
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] || [ "$rc" -eq 2 ] && caught=0
    head -n 1 "$err" | grep -q '^mpalloc: ' && msg=1
    return 0
}

libs=("" "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" "$build/lib/libmpalloc-debug.so" "$@")
names=(glibc fast checked debug "$@")
declare -A total caught_n msg_n
programs=()
while read -r name kind; do
    if [ "$kind" = sized ]; then
        for s in $sizes; do programs+=("$name@$s"); done
    else
        programs+=("$name@16")
    fi
done < <("$prog")

fails=0
for p in "${programs[@]}"; do
    name=${p%@*} size=${p#*@}
    line=$(printf '%-34s' "$p")
    for i in "${!libs[@]}"; do
        run "${libs[$i]}" "$name" "$size"
        b=${names[$i]}
        total[$b]=$((${total[$b]:-0} + 1))
        caught_n[$b]=$((${caught_n[$b]:-0} + caught))
        msg_n[$b]=$((${msg_n[$b]:-0} + msg))
        mark=$([ "$caught" = 1 ] && { [ "$msg" = 1 ] && echo "M" || echo "c"; } || echo ".")
        line+=" $(printf '%-8s' "$b:$mark")"
        if [ "$b" = debug ] && [ "$caught" = 0 ] && [ -z "${gap[$p]:-}${gap[$name]:-}" ]; then
            line+=" FAIL (debug build caught this before)"
            fails=$((fails + 1))
        fi
    done
    echo "$line"
done
echo "(M: stopped with an mpalloc message, c: stopped otherwise, .: not caught)"
for b in "${names[@]}"; do
    echo "$b: ${caught_n[$b]} of ${total[$b]} caught, ${msg_n[$b]} with an mpalloc message"
done
[ "${caught_n[debug]}" -ge "$DEBUG_MIN" ] || { echo "FAIL: debug build caught ${caught_n[debug]} < $DEBUG_MIN"; fails=$((fails + 1)); }
[ "$fails" -eq 0 ] || { echo "FAIL: $fails case(s)"; exit 1; }
echo "security suite as expected"
