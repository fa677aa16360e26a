#!/usr/bin/env bash
# mpbench record of a multi-threaded program with cross-thread frees, then
# trace-stat and replay on every allocator this machine has: the exit
# status passes through, every thread and kind is in the trace, each replay
# makes exactly the recorded number of calls (every rep, every allocator),
# timeline.csv holds samples and plot draws timeline_<workload>.png.
# Usage: trace-record-replay.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -f "$build/lib/libmpatrace.so" ] || fail "no mpbench/recorder in $build after the build"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cc -O1 -pthread -o "$tmp/threads" "$here/fixtures/trace_threads.c" || fail "cannot build trace_threads.c"

"$mpb" record -o "$tmp/t.mpt" -- "$tmp/threads" 7 > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc -eq 7 ] || fail "record exit $rc, expected the program's 7: $(cat "$tmp/err")"
grep -q '^done$' "$tmp/out" || fail "the program's stdout was lost"
"$mpb" trace-stat "$tmp/t.mpt" > "$tmp/stat" || fail "trace-stat failed: $(cat "$tmp/stat")"
get() { awk -v k="$1:" '$1 == k { print $2; exit }' "$tmp/stat"; }
events=$(get events)
[ "$(get status)" = ok ] || fail "status $(get status)"
[ "$(get threads)" -eq 5 ] || fail "threads $(get threads), expected 5 (main + 4)"
[ "$(get cross_thread_frees)" -gt 0 ] || fail "no cross-thread frees seen"
# Every free in the program is of a live object: none may come out unmatched
# (threads are merged by their time stamps).
um=$(get unmatched_frees)
frees=$(awk '/^  free / { print $2 }' "$tmp/stat")
[ -n "$frees" ] && [ "$frees" -gt 0 ] || fail "no free calls in trace-stat"
[ "$um" -eq 0 ] || fail "$um of $frees frees unmatched"
for k in malloc calloc realloc free aligned_alloc posix_memalign memalign malloc_usable_size; do
    grep -q "^  $k " "$tmp/stat" || fail "no $k calls in trace-stat"
done
# 4 threads x 2000 rounds: one allocation (two for realloc rounds), one usable-size, one free each
n=$(awk '/^  malloc_usable_size / { print $2 }' "$tmp/stat")
[ "$n" -eq 8000 ] || fail "malloc_usable_size calls $n, expected 8000"

# A thread's reallocs must not shift its later events: with every realloc
# made 0.5 ms long (a preloaded shim after the recorder), 100 reallocs, then
# 4 objects each freed at once by a new thread, all 4 frees still match
# (a reader that added each realloc's duration twice put the 4 allocations
# 50 ms late, after their frees).
cc -O1 -shared -fPIC -o "$tmp/slow.so" "$here/fixtures/trace_slow_realloc.c" -ldl &&
    cc -O1 -pthread -o "$tmp/handoff" "$here/fixtures/trace_handoff.c" || fail "cannot build the handoff fixtures"
LD_PRELOAD="$tmp/slow.so" "$mpb" record -o "$tmp/h.mpt" -- "$tmp/handoff" > "$tmp/out" 2>&1 ||
    fail "record of the handoff program failed: $(cat "$tmp/out")"
"$mpb" trace-stat "$tmp/h.mpt" > "$tmp/hstat" || fail "trace-stat of the handoff trace failed"
hget() { awk -v k="$1:" '$1 == k { print $2; exit }' "$tmp/hstat"; }
[ "$(awk '/^  realloc / { print $2 }' "$tmp/hstat")" = 100 ] || fail "handoff trace: realloc count"
[ "$(hget unmatched_frees)" = 0 ] && [ "$(hget cross_thread_frees)" = 4 ] ||
    fail "handoff trace: $(hget unmatched_frees) unmatched, $(hget cross_thread_frees) cross-thread frees (expected 0, 4)"

"$mpb" replay "$tmp/t.mpt" --repeat 2 --out "$tmp/r" > "$tmp/rout" 2>&1 ||
    fail "replay failed: $(tail -3 "$tmp/rout")"
rows=$(tail -n +2 "$tmp/r/results.csv" | wc -l)
[ "$rows" -ge 4 ] || fail "only $rows rows (expected 2 per allocator, glibc and mpalloc at least)"
bad=$(awk -F, -v n="$events" 'NR > 1 && ($6 != "ok" || $13 != n) { print $1 "/" $6 "/" $13 }' "$tmp/r/results.csv")
[ -z "$bad" ] || fail "rows not ok or not $events calls: $bad"
grep -q 'alloc_s=' "$tmp/r/results.csv" || fail "no alloc_s in the extra column"
# ops_per_s = calls per second of the replay itself (ops / replay_s), not of
# the child's whole wall time (plan loading, empty passes)
bad=$(awk -F, 'NR > 1 { if (!match($0, /replay_s=[0-9.]+/)) { print "no replay_s"; next }
        r = substr($0, RSTART + 9, RLENGTH - 9); want = $13 / r
        if ($14 < want * 0.999 || $14 > want * 1.001 || r >= $7) print $1 ": ops_per_s " $14 ", ops/replay_s " want ", wall " $7 }' "$tmp/r/results.csv")
[ -z "$bad" ] || fail "replay rate: $bad"
[ "$(head -1 "$tmp/r/timeline.csv")" = "allocator,variant,workload,threads,rep,t_ms,rss_kb" ] ||
    fail "timeline.csv header: $(head -1 "$tmp/r/timeline.csv")"
[ "$(wc -l < "$tmp/r/timeline.csv")" -gt "$rows" ] || fail "timeline.csv holds too few samples"
ls "$tmp/r/plots/timeline_trace-t.png" > /dev/null 2>&1 || fail "no plots/timeline_trace-t.png"
# Inside `mpbench run`, a trace replays its 5 recorded threads whatever
# --threads says: one cell, labelled 5 (not one per listed count, mislabelled),
# and a thread list without 5 is refused.
"$mpb" run --alloc glibc --workload "trace:$tmp/t.mpt" --threads 1,5 --repeat 1 --warmup 0 \
    --no-report --out "$tmp/m" > "$tmp/mout" 2>&1 || fail "run with a trace failed: $(tail -3 "$tmp/mout")"
[ "$(tail -n +2 "$tmp/m/results.csv" | cut -d, -f3,4 | sort | tr '\n' ' ')" = "trace-t,5 " ] ||
    fail "trace rows in run -t 1,5: $(tail -n +2 "$tmp/m/results.csv" | cut -d, -f3,4 | tr '\n' ' ')"
"$mpb" run --alloc glibc --workload "trace:$tmp/t.mpt" --threads 1,2 --repeat 1 --out "$tmp/m2" \
    > "$tmp/mout" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'runs only at --threads 5' "$tmp/mout" ||
    fail "run of a 5-thread trace at --threads 1,2: exit $rc: $(tail -2 "$tmp/mout")"
[ ! -e "$tmp/m2/results.csv" ] || fail "a refused run left $tmp/m2/results.csv"
echo "recorded $events events of 5 threads; $rows replays, each $events calls; timeline plotted"
