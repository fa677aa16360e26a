#!/usr/bin/env bash
# mpbench record behaves like the program it records: SIGTERM, SIGINT and
# SIGHUP sent to mpbench reach the program (SIGHUP used to kill mpbench and
# leave the program running), which stops as it usually does, and the trace
# is whole and says how it ended: by the default action (exit 128+N), after
# the program's own handler (a SA_SIGINFO handler with its siginfo, one that
# calls _exit, SA_RESETHAND emulated), or not at all when ignored; the
# program sees the handlers it set, not the recorder's. Only SIGKILL cuts a
# trace (truncated); a trace cut by a failed write exits 125 (file size
# limit, and a full tmpfs as root); a trace file another record is writing
# is refused (exit 3). A program that forks and execs children gets them
# named in a warning. Usage: trace-signals.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -f "$build/lib/libmpatrace.so" ] || fail "no mpbench/recorder in $build"
tmp=$(mktemp -d) || exit 1
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cc -O1 -pthread -o "$tmp/sig" "$here/fixtures/trace_signals.c" || fail "cannot build trace_signals.c"

# Starts `mpbench record` of the fixture in mode $1 into $tmp/$2.mpt (signals
# at their default action, whatever this shell left), waits for "ready".
start() {
    env --default-signal=INT,TERM,HUP "$mpb" record -o "$tmp/$2.mpt" -- "$tmp/sig" "$1" \
        > "$tmp/$2.out" 2> "$tmp/$2.err" &
    rec=$!
    for _ in $(seq 200); do grep -q ready "$tmp/$2.out" 2> /dev/null && return; sleep 0.05; done
    fail "$1: the program never got ready: $(cat "$tmp/$2.err")"
}
# Waits (10 s at most) for mpbench; sets rc.
finish() {
    for _ in $(seq 200); do kill -0 $rec 2> /dev/null || break; sleep 0.05; done
    kill -0 $rec 2> /dev/null && { kill -KILL $rec; fail "mpbench record did not end after $1"; }
    wait $rec; rc=$?
}
# trace-stat's field $2 of trace $1.
stat_of() { "$mpb" trace-stat "$tmp/$1.mpt" 2> /dev/null | awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2); exit }'; }

for s in TERM INT HUP; do
    start default d$s
    kill -$s $rec
    finish "SIG$s"
    n=$(kill -l $s)
    [ $rc -eq $((128 + n)) ] || fail "SIG$s to mpbench: exit $rc, expected $((128 + n)): $(cat "$tmp/d$s.err")"
    [ "$(stat_of d$s status)" = ok ] || fail "SIG$s: trace not whole: $("$mpb" trace-stat "$tmp/d$s.mpt" 2>&1 | grep status)"
    [ "$(stat_of d$s ended)" = "ended by SIG$s (its default action)" ] || fail "SIG$s: ended: $(stat_of d$s ended)"
    [ "$(stat_of d$s threads)" -eq 3 ] && [ "$(stat_of d$s events)" -ge 1000 ] ||
        fail "SIG$s: $(stat_of d$s threads) threads, $(stat_of d$s events) events"
    pid=$(awk '/command:/ { next } 1' /dev/null; od -An -t u4 -j 24 -N 4 "$tmp/d$s.mpt" | tr -d ' ')
    ! kill -0 "$pid" 2> /dev/null || fail "SIG$s: the program (pid $pid) still runs after mpbench ended"
done

start handler h
kill -TERM $rec
finish "SIGTERM (handled)"
[ $rc -eq 0 ] || fail "handler: exit $rc, expected 0 (4: the handler saw another signal)"
[ "$(stat_of h ended)" = "exited after handling SIGTERM" ] || fail "handler: ended: $(stat_of h ended)"

start exit3 e
kill -TERM $rec
finish "SIGTERM (_exit in the handler)"
[ $rc -eq 3 ] && [ "$(stat_of e status)" = ok ] || fail "exit3: exit $rc, status $(stat_of e status)"

start resethand r
kill -TERM $rec
sleep 0.3
kill -0 $rec 2> /dev/null || fail "resethand: the first SIGTERM killed the program"
kill -TERM $rec
finish "second SIGTERM"
[ $rc -eq 143 ] && [ "$(stat_of r ended)" = "ended by SIGTERM (its default action)" ] ||
    fail "resethand: exit $rc, ended $(stat_of r ended)"

start ignore i
kill -TERM $rec
finish "SIGTERM (ignored)"
[ $rc -eq 0 ] && [ "$(stat_of i ended)" = exited ] || fail "ignore: exit $rc, ended $(stat_of i ended)"

"$mpb" record -o "$tmp/q.mpt" -- "$tmp/sig" query > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] || fail "the program saw the recorder's handler, not its own (exit $rc)"

# SIGKILL: truncated, readable up to the last whole block.
start default k
sleep 0.2
kill -KILL "$(od -An -t u4 -j 24 -N 4 "$tmp/k.mpt" | tr -d ' ')"
finish SIGKILL
[ $rc -eq 137 ] && [ "$(stat_of k status | cut -d' ' -f1)" = truncated ] ||
    fail "SIGKILL: exit $rc, status $(stat_of k status)"

# Two records into one file: the second is refused, the first's trace whole.
start default l
"$mpb" record -o "$tmp/l.mpt" -- true > "$tmp/l2.out" 2>&1; rc2=$?
kill -TERM $rec
finish "SIGTERM"
[ $rc2 -eq 3 ] && grep -q "is being written by another mpbench record" "$tmp/l2.out" ||
    fail "a second record into a busy trace: exit $rc2: $(cat "$tmp/l2.out")"
[ "$(stat_of l status)" = ok ] || fail "the first recording was damaged by the second: $(stat_of l status)"

# A recording whose writes fail: exit 125 and a cut trace that says why.
py=/usr/bin/python3
[ -x $py ] || py=$(command -v python3)
(trap '' XFSZ; ulimit -f 64; PYTHONMALLOC=malloc "$mpb" record -o "$tmp/f.mpt" -- $py -c \
    'x = [str(i) * 3 for i in range(400000)]' > /dev/null 2> "$tmp/f.err"); rc=$?
[ $rc -eq 125 ] && grep -q "the recording failed" "$tmp/f.err" ||
    fail "a trace over the file size limit: exit $rc: $(cat "$tmp/f.err")"
"$mpb" trace-stat "$tmp/f.mpt" > "$tmp/f.stat" 2>&1
grep -q "status: truncated (the recording failed: a write to the trace failed (File too large)" "$tmp/f.stat" ||
    fail "trace-stat of a cut trace: $(grep status "$tmp/f.stat")"
mkdir "$tmp/small"
if mount -t tmpfs -o size=64k tmpfs "$tmp/small" 2> /dev/null; then
    PYTHONMALLOC=malloc "$mpb" record -o "$tmp/small/s.mpt" -- $py -c 'x = [str(i) * 3 for i in range(400000)]' \
        > /dev/null 2> "$tmp/s.err"; rc=$?
    umount "$tmp/small"
    [ $rc -eq 125 ] && grep -q "No space left on device" "$tmp/s.err" ||
        fail "a full disk: exit $rc: $(cat "$tmp/s.err")"
fi

# Children: named in a warning (here sh runs two programs).
"$mpb" record -o "$tmp/c.mpt" -- /bin/sh -c "$tmp/sig query; /bin/true" > /dev/null 2> "$tmp/c.err" ||
    fail "record of sh -c: $(cat "$tmp/c.err")"
grep -q "warning: 2 processes the program started are not recorded: sig (pid [0-9]*), true" "$tmp/c.err" ||
    fail "children not named: $(cat "$tmp/c.err")"
# --follow: each program a child runs is recorded into its own trace, whole,
# whose START names its parent; the first trace names them, and each replays.
cc -O1 -pthread -o "$tmp/threads" "$here/fixtures/trace_threads.c" || fail "cannot build trace_threads.c"
"$mpb" record --follow -o "$tmp/fo.mpt" -- /bin/sh -c "$tmp/threads; $tmp/sig query" > /dev/null 2> "$tmp/fo.err" ||
    fail "record --follow: $(cat "$tmp/fo.err")"
grep -q "2 processes the program started were recorded into their own traces: threads (TRACE.[0-9]*, parent [0-9]*), sig " "$tmp/fo.err" ||
    fail "record --follow does not name the child traces: $(cat "$tmp/fo.err")"
n=0
for f in "$tmp"/fo.mpt.*; do
    "$mpb" trace-stat "$f" > "$tmp/fo.stat" 2>&1 || fail "$f not whole: $(grep status "$tmp/fo.stat")"
    n=$((n + 1))
done
[ $n -eq 2 ] || fail "$n child traces, expected 2"
thr=$(for f in "$tmp"/fo.mpt.*; do "$mpb" trace-stat "$f" 2> /dev/null | grep -q '^threads: 5' && echo "$f"; done)
[ -n "$thr" ] || fail "the threads program's trace has not its 5 threads"
"$mpb" replay "$thr" --alloc glibc --repeat 1 --no-report --out "$tmp/fr" > "$tmp/out" 2>&1 &&
    grep -q ',ok,' "$tmp/fr/results.csv" || fail "replay of a followed child's trace: $(tail -2 "$tmp/out")"
echo "signals passed on, traces whole and saying how they ended; SIGKILL truncated; failed writes exit 125; busy trace refused; children named, or recorded with --follow"
