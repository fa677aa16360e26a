#!/usr/bin/env bash
# Exit statuses and messages that tell the truth: `mpbench run` (with its
# summary, plot and report) and `mpbench merge` print the report's path
# once, as the last line; plot exits non-zero when it could draw nothing
# (every run crashed, no RSS timeline) and says so; summary and report of a results.csv with
# no runs exit 1 and write nothing. Usage: runner-exit-status.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10
command -v gnuplot > /dev/null || { echo "gnuplot not installed"; exit 77; }

for i in 1 2; do
    "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 2 --no-pin \
        --shard $i/2 --out "$tmp/s$i" > "$tmp/out$i" 2> "$tmp/err$i" || fail "run $i: exit $?"
done
n=$(grep -c "report.md" "$tmp/out1")
[ "$n" -eq 1 ] || fail "run printed the report path $n times"
[ "$(tail -1 "$tmp/out1")" = "$tmp/s1/report.md" ] || fail "run: last line is not the report path"
[ -f "$tmp/s1/report.md" ] || fail "run: the printed report does not exist"
# Shard 2/2 of a one-cell matrix runs nothing: no report, so no path printed.
[ -e "$tmp/s2/report.md" ] && fail "shard 2/2 ran nothing but has a report"
grep -q "report.md" "$tmp/out2" && fail "shard 2/2 printed the path of a report it could not write"

"$mpb" merge "$tmp/m" "$tmp/s1" "$tmp/s2" > "$tmp/mout" 2>&1 || fail "merge: exit $?: $(tail -1 "$tmp/mout")"
n=$(grep -c "report.md" "$tmp/mout")
[ "$n" -eq 1 ] || fail "merge printed the report path $n times"

"$mpb" run --alloc glibc --workload "$tmp/wl-segv" --threads 1 --repeat 2 --no-pin --out "$tmp/c" --sample-ms 0 \
    --no-report > /dev/null 2>&1 || fail "crash run: exit $?"
"$mpb" plot "$tmp/c" > "$tmp/pout" 2>&1; rc=$?
[ $rc -ne 0 ] || fail "plot of a folder where every run crashed exited 0"
grep -q "no plot written" "$tmp/pout" || fail "plot did not say it wrote nothing: $(tail -1 "$tmp/pout")"
grep -q "^wrote" "$tmp/pout" && fail "plot claims it wrote something"

mkdir "$tmp/e"
head -1 "$tmp/c/results.csv" > "$tmp/e/results.csv"
"$mpb" summary "$tmp/e" > /dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "summary of an empty results.csv: exit $rc, expected 1"
[ -e "$tmp/e/summary.csv" ] && fail "summary of an empty results.csv wrote summary.csv"
"$mpb" report "$tmp/e" > "$tmp/rout" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "report of an empty results.csv: exit $rc, expected 1"
[ -e "$tmp/e/report.md" ] && fail "report of an empty results.csv wrote report.md"
echo "report path printed once by run and merge; plot/summary/report exit 1 when they write nothing"
