#!/usr/bin/env bash
# Values are validated where they enter: malformed mpbench-* lines of a
# workload (banana, a sign, an exponent, too many digits, inf, a key given
# twice with two values) make the row `invalid` with the reason and leave no
# number in its column; option values that are not finite numbers in range,
# or that would list one cell twice, exit 2 with a message; a damaged
# matrix.txt stops --resume; an ok row with a malformed number in
# results.csv is not counted as ok. Usage: runner-validate.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10

i=0
for ops in banana -5 +7 1e3 0x10 inf nan 99999999999999999999 "12 apples" twice; do
    i=$((i + 1))
    TINY_OPS="$ops" "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 \
        --no-pin --no-report --out "$tmp/o$i" > "$tmp/out" 2>&1 || fail "ops '$ops': run exit $?"
    csv="$tmp/o$i/results.csv"
    [ "$(csv_get "$csv" status 1)" = invalid ] || fail "ops '$ops': status $(csv_get "$csv" status 1), expected invalid"
    [ -z "$(csv_get "$csv" ops 1)" ] || fail "ops '$ops': ops column holds '$(csv_get "$csv" ops 1)'"
    grep -q "mpbench-ops" "$csv" || fail "ops '$ops': the row does not say why"
done
TINY_OPS=12 "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --no-pin \
    --no-report --out "$tmp/good" > /dev/null 2>&1 || fail "ops 12: run failed"
[ "$(csv_get "$tmp/good/results.csv" status 1)" = ok ] || fail "ops 12: not ok"
[ "$(csv_get "$tmp/good/results.csv" ops 1)" = 12 ] || fail "ops 12: ops column wrong"
# mpbench-ops_s: ops_per_s = ops / those seconds (not the wall time); a
# malformed one makes the row invalid with no rate.
# (wl-tiny works TINY_MS = 10 ms: 5 ms of it timed.)
TINY_OPS=12 TINY_OPS_S=0.005 "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 \
    --no-pin --no-report --out "$tmp/rate" > /dev/null 2>&1 || fail "ops_s 0.005: run failed"
[ "$(csv_get "$tmp/rate/results.csv" ops_per_s 1)" = 2400.0 ] ||
    fail "ops 12 in 0.005 s: ops_per_s $(csv_get "$tmp/rate/results.csv" ops_per_s 1), expected 2400.0"
grep -q "ops_s=0.005" "$tmp/rate/results.csv" || fail "ops_s is not in the extra column"
# More seconds timed than the run lasted (a wall clock set forward during
# it): invalid, no rate (was ok: ops_per_s 0.1 for 100 s in a 10 ms run).
for s in 0 0.000 -1 1e3 banana .5 1.2.3 100; do
    i=$((i + 1))
    TINY_OPS=12 TINY_OPS_S="$s" "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 \
        --repeat 1 --no-pin --no-report --out "$tmp/o$i" > /dev/null 2>&1 || fail "ops_s '$s': run exit $?"
    [ "$(csv_get "$tmp/o$i/results.csv" status 1)" = invalid ] &&
        [ -z "$(csv_get "$tmp/o$i/results.csv" ops_per_s 1)" ] ||
        fail "ops_s '$s': status $(csv_get "$tmp/o$i/results.csv" status 1), ops_per_s '$(csv_get "$tmp/o$i/results.csv" ops_per_s 1)'"
done

# bad OPTION VALUE: mpbench run exits 2 and names the option.
bad() {
    "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --no-report --out "$tmp/bad" "$@" > "$tmp/out" 2>&1
    local rc=$?
    [ $rc -eq 2 ] || fail "run $*: exit $rc, expected 2"
    [ -e "$tmp/bad/results.csv" ] && fail "run $*: results.csv was created"
    return 0
}
for v in nan inf -1 0 abc 1e999 " 1"; do bad --scale "$v"; done
for v in 0 2.5 -3 1e3 abc 99999999999; do bad --repeat "$v"; done
for v in inf nan 0 -2; do bad --timeout "$v"; done
for v in -1 1.5 abc; do bad --seed "$v"; done
for v in -0.5 nan; do bad --warmup "$v"; done
for v in 0 1,1 1,x "" 2.5; do bad --threads "$v"; done
for v in 0/2 3/2 1/0 1/2x x; do bad --shard "$v"; done
bad --alloc glibc,glibc
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny,$tmp/wl-tiny" --no-report --out "$tmp/bad" > /dev/null 2>&1
[ $? -eq 2 ] || fail "a workload listed twice was accepted"
"$mpb" compare "$tmp/good" "$tmp/good" --threshold nan > /dev/null 2>&1
[ $? -eq 2 ] || fail "compare --threshold nan was accepted"

cp -r "$tmp/good" "$tmp/damaged"
sed -i 's/^scale=.*/scale=banana/' "$tmp/damaged/matrix.txt"
"$mpb" run --resume "$tmp/damaged" --no-report > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "bad scale value 'banana'" "$tmp/out" || fail "damaged matrix.txt: exit $rc: $(head -1 "$tmp/out")"

cp -r "$tmp/good" "$tmp/badcsv"
sed -i '2s/,ok,[0-9.]*,/,ok,fast,/' "$tmp/badcsv/results.csv"
"$mpb" summary "$tmp/badcsv" > "$tmp/out" 2>&1
grep -q "wall_s 'fast' is not a finite number" "$tmp/out" || fail "malformed wall_s in results.csv: no warning"
awk -F, '$4 == "wall_s" && $5 != 0 { bad = 1 } END { exit bad }' "$tmp/badcsv/summary.csv" \
    || fail "a row with wall_s 'fast' was counted as ok"
echo "malformed workload values -> invalid rows; bad option values -> exit 2; damaged matrix.txt and CSV numbers caught"
