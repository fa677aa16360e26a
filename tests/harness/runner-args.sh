#!/usr/bin/env bash
# Every command line goes through getopt_long: each analysis command and
# every workload accepts --help (exit 0, a usage line) and refuses an
# unknown option, an option missing its value and a stray operand with
# exit 2 and a message; options work in --opt=V, --opt V and -oV forms and
# in any position. `mpbench list` names each allocator once and each workload
# with the one-line description it declares (--describe).
# Usage: runner-args.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"

# $1: expected exit; rest: the command. Output in $tmp/out.
expect() {
    local want=$1 rc
    shift
    "$@" > "$tmp/out" 2>&1; rc=$?
    [ "$rc" -eq "$want" ] || fail "$* exited $rc, expected $want: $(head -3 "$tmp/out")"
}
for cmd in list summary plot report compare merge kernel; do
    expect 0 "$mpb" $cmd --help
    grep -q "^usage: mpbench $cmd" "$tmp/out" || fail "mpbench $cmd --help has no usage line"
    expect 2 "$mpb" $cmd --no-such-option
    grep -qi "unknown option" "$tmp/out" || fail "mpbench $cmd: no message for an unknown option"
done
expect 2 "$mpb" list stray
expect 2 "$mpb" summary "$tmp" stray
expect 2 "$mpb" compare "$tmp"
expect 2 "$mpb" compare "$tmp" "$tmp" --metric
expect 2 "$mpb" compare --threshold=abc "$tmp" "$tmp"
expect 2 "$mpb" kernel --reps
expect 2 "$mpb" kernel stray

export TINY_MS=5
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --repeat 3 --out "$tmp/r" --no-report \
    > /dev/null 2>&1 || fail "run failed"
# 3 runs per cell: too few for a verdict (exit 3, inconclusive)
expect 3 "$mpb" compare --threshold=50 "$tmp/r" --metric max_rss_kb "$tmp/r"
grep -q "max_rss_kb" "$tmp/out" || fail "compare --metric after an operand was not used"

n=0
for wl in "$build"/bin/wl-*; do
    head -c 4 "$wl" | grep -q ELF || continue   # the C workloads (scripts wrap real programs)
    name=${wl##*/}
    expect 0 "$wl" --help
    grep -q "^usage: $name " "$tmp/out" || fail "$name --help has no usage line"
    expect 2 "$wl" --no-such-option
    expect 2 "$wl" -t
    expect 2 "$wl" --threads=0
    expect 2 "$wl" --scale -1
    expect 2 "$wl" stray
    grep -q "bad argument" "$tmp/out" || fail "$name: no message for a stray operand"
    n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n C workloads found in $build/bin"

# mpbench list: every allocator name once, every workload with its own line.
expect 0 "$mpb" list
dups=$(sed -n '/^allocators:/,/^workloads/p' "$tmp/out" | awk 'NF && $1 != "allocators:" && $1 !~ /^workloads/ { print $1 }' | sort | uniq -d)
[ -z "$dups" ] || fail "mpbench list shows allocators twice: $dups"
nw=0
while read -r name desc; do
    [ -n "$desc" ] && [ "${desc#(no description}" = "$desc" ] || fail "workload $name has no description: $desc"
    [ "$desc" = "$("$build/bin/wl-$name" --describe)" ] || fail "list and wl-$name --describe disagree"
    case $desc in usage:*) fail "workload $name described by its usage line" ;; esac
    nw=$((nw + 1))
done < <(sed -n '/^workloads/,$p' "$tmp/out" | tail -n +2)
[ "$nw" -ge 14 ] || fail "mpbench list shows only $nw workloads"
expect 0 "$build/bin/wl-pairs" -t2 --scale=0.002 --seed 7
grep -q '^mpbench-ops: [0-9]' "$tmp/out" || fail "wl-pairs -t2 --scale=0.002 printed no ops"
echo "mpbench's commands and $n workloads parse with getopt_long; list: $nw workloads described, no allocator twice"
