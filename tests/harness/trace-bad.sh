#!/usr/bin/env bash
# Traces that are not whole: cut short in a block, a flipped byte, not a
# trace at all, a program killed by SIGKILL while recording. trace-stat
# says truncated/corrupt with the place and exits 1 (reading what it can);
# replay refuses a corrupt one with a clear message, exit 2, and writes no
# results; a truncated one is replayed up to its last whole block, with a
# warning, every row flagged trace=truncated.
# A program leaving by _exit(4), one that forks and one that execs (two
# images, named so by trace-stat) still give whole traces;
# a program that cannot be run leaves no trace file (exit 127); one killed by
# SIGTERM/SIGABRT/SIGSEGV while idle keeps the events it made.
# Usage: trace-bad.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -f "$build/lib/libmpatrace.so" ] || fail "no mpbench/recorder in $build after the build"
py=/usr/bin/python3
[ -x $py ] || { echo "no $py"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# 30000 objects over pymalloc's 512-byte limit: malloc calls enough to fill
# several recorder buffers, so the cut below leaves whole blocks before it
# whatever the timing (small objects alone made ~2600 calls: one block when
# python ran in under 50 ms, and the check below failed on an idle machine).
"$mpb" record -o "$tmp/good.mpt" -- $py -c \
    'x = [str(i) * 3 for i in range(200000)]; y = [bytes(600 + i % 300) for i in range(30000)]; print(len(x))' \
    > /dev/null 2>&1 || fail "recording python3 failed"
size=$(stat -c %s "$tmp/good.mpt")
[ "$size" -gt 4096 ] || fail "trace of $size bytes is too small to cut"

# expect_bad FILE WORD: trace-stat exits 1 naming WORD; replay of a corrupt
# trace exits 2 naming it, no rows; of a truncated one, rows flagged.
expect_bad() {
    [ "$2" = truncated ] && { expect_truncated "$1"; return; }
    "$mpb" trace-stat "$1" > "$tmp/stat" 2> "$tmp/err"; rc=$?
    [ $rc -eq 1 ] || fail "trace-stat $1: exit $rc, expected 1"
    grep -q "^status: $2" "$tmp/stat" || fail "trace-stat $1 does not say $2: $(grep status "$tmp/stat")"
    rm -rf "$tmp/r"
    "$mpb" replay "$1" --alloc glibc --repeat 1 --out "$tmp/r" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "replay of a $2 trace: exit $rc, expected 2"
    grep -q "trace is $2" "$tmp/out" || fail "replay's message does not say $2: $(cat "$tmp/out")"
    [ ! -e "$tmp/r/results.csv" ] || fail "replay of a $2 trace wrote results"
}

expect_truncated() {
    "$mpb" trace-stat "$1" > "$tmp/stat" 2> "$tmp/err"; rc=$?
    [ $rc -eq 1 ] || fail "trace-stat $1: exit $rc, expected 1"
    grep -q "^status: truncated" "$tmp/stat" || fail "trace-stat $1 does not say truncated: $(grep status "$tmp/stat")"
    local ev
    ev=$(awk '$1 == "events:" { print $2 }' "$tmp/stat")
    rm -rf "$tmp/r"
    "$mpb" replay "$1" --alloc glibc --repeat 1 --no-report --out "$tmp/r" > "$tmp/out" 2>&1 ||
        fail "replay of a truncated trace: exit $?: $(tail -2 "$tmp/out")"
    grep -q "is truncated.*replayed up to its last whole block, $ev events" "$tmp/out" ||
        fail "no warning for a truncated trace: $(cat "$tmp/out")"
    awk -F, -v n="$ev" 'NR > 1 && ($6 != "ok" || $13 != n || $0 !~ /trace=truncated/) { bad = 1 } END { exit bad }' \
        "$tmp/r/results.csv" || fail "truncated replay rows: $(tail -1 "$tmp/r/results.csv")"
}

head -c $((size - 100)) "$tmp/good.mpt" > "$tmp/cut.mpt"
expect_bad "$tmp/cut.mpt" truncated
grep -q "^events: [1-9]" "$tmp/stat" || fail "the blocks before the cut were not read"
# flip OFFSET: good.mpt with the byte at OFFSET xor 1, as flip.mpt.
flip() {
    local b
    b=$(od -An -tu1 -j "$1" -N 1 "$tmp/good.mpt" | tr -d ' ')
    cp "$tmp/good.mpt" "$tmp/flip.mpt"
    printf "\\$(printf %o $((b ^ 1)))" | dd of="$tmp/flip.mpt" bs=1 seek="$1" conv=notrunc status=none
    cmp -s "$tmp/good.mpt" "$tmp/flip.mpt" && fail "flip at $1 changed nothing"
}
# A payload byte; the first events block's thread number and event count
# (header at 304: file header 256, START block 32 + 16), which the block's
# crc covers too (a flipped thread number once read as a whole trace).
for off in 400 312 316; do
    flip $off
    expect_bad "$tmp/flip.mpt" corrupt
done
head -c 300 /bin/ls > "$tmp/notrace.mpt"
expect_bad "$tmp/notrace.mpt" corrupt
grep -q "not an mpbench trace" "$tmp/stat" || fail "a non-trace is not named as such"

"$mpb" record -o "$tmp/killed.mpt" -- $py -c \
    'import os; x = [bytes(600 + i % 300) for i in range(30000)]; os.kill(os.getpid(), 9)' > /dev/null 2>&1; rc=$?
[ $rc -eq 137 ] || fail "record of a SIGKILLed program: exit $rc, expected 137"
expect_bad "$tmp/killed.mpt" truncated

# Killed by a catchable signal while idle (its buffer not written by a later
# call): the recorder writes every thread's events out, and END with the
# signal, before dying of it: a whole trace that says how it ended.
cat > "$tmp/idle.c" <<'EOF'
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
void *volatile keep;
int main(int argc, char **argv)
{
    for (int i = 0; i < 300 && argc > 1; i++)
        keep = malloc(16 + i);
    usleep(200000);
    raise(atoi(argv[1]));
    return 0;
}
EOF
cc -O1 -o "$tmp/idle" "$tmp/idle.c" || fail "cannot build idle.c"
for sig in 15 6 11; do
    "$mpb" record -o "$tmp/idle.mpt" -- "$tmp/idle" $sig > /dev/null 2>&1; rc=$?
    [ $rc -eq $((128 + sig)) ] || fail "record of a program killed by signal $sig: exit $rc"
    "$mpb" trace-stat "$tmp/idle.mpt" > "$tmp/stat" 2>&1 || fail "signal $sig: trace not whole: $(grep status "$tmp/stat")"
    grep -q "^ended: ended by SIG$(kill -l $sig) (its default action)$" "$tmp/stat" ||
        fail "signal $sig: $(grep ended "$tmp/stat")"
    ev=$(awk '$1 == "events:" { print $2 }' "$tmp/stat")
    [ "$ev" -ge 300 ] || fail "signal $sig after 300 mallocs and a pause: $ev events in the trace"
done

"$mpb" record -o "$tmp/exit.mpt" -- $py -c 'import os; x = list(range(1000)); os._exit(4)' \
    > /dev/null 2>&1; rc=$?
[ $rc -eq 4 ] || fail "record of _exit(4): exit $rc"
"$mpb" trace-stat "$tmp/exit.mpt" > "$tmp/stat" || fail "_exit trace is not whole: $(grep status "$tmp/stat")"
"$mpb" record -o "$tmp/fork.mpt" -- $py -c \
    'import os; p = os.fork(); x = [str(i) for i in range(10000)]
if p == 0: os._exit(0)
os.waitpid(p, 0)' > /dev/null 2>&1 || fail "record of a forking program failed"
"$mpb" trace-stat "$tmp/fork.mpt" > "$tmp/stat" || fail "fork trace is not whole: $(grep status "$tmp/stat")"
# exec: a second process image in the same trace; trace-stat says the two
# "threads" are one per image
"$mpb" record -o "$tmp/exec.mpt" -- $py -c \
    'import os, sys; x = [bytes(700) for i in range(100)]; os.execv(sys.executable, [sys.executable, "-c", "x = [bytes(900) for i in range(100)]"])' \
    > /dev/null 2>&1 || fail "record of an exec'ing program failed"
"$mpb" trace-stat "$tmp/exec.mpt" > "$tmp/stat" || fail "exec trace is not whole: $(grep status "$tmp/stat")"
grep -q '^threads: 2 (over 2 process images, at most 1 in one)$' "$tmp/stat" && grep -q '^images: 2$' "$tmp/stat" ||
    fail "exec trace: $(grep -E '^(threads|images):' "$tmp/stat" | tr '\n' ' ')"
"$mpb" record -o "$tmp/none.mpt" -- "$tmp/no-such-program" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 127 ] || fail "record of a missing program: exit $rc, expected 127"
grep -q "cannot run $tmp/no-such-program" "$tmp/out" || fail "no 'cannot run' message: $(cat "$tmp/out")"
! grep -q "killed\|events" "$tmp/out" || fail "a program that never ran is described as a trace: $(cat "$tmp/out")"
[ ! -e "$tmp/none.mpt" ] || fail "a program that never ran left a trace file"
"$mpb" run --alloc glibc --workload "trace:$tmp/missing.mpt" --threads 1 --repeat 1 --out "$tmp/r3" \
    > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "no trace $tmp/missing.mpt" "$tmp/out" ||
    fail "run of a missing trace: exit $rc: $(cat "$tmp/out")"
# A statically linked program (LD_PRELOAD has no effect): its exit status,
# and a trace that says the recorder never ran, not that it was killed.
if printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(9); free(p); return 6; }\n' \
    > "$tmp/st.c" && cc -static -o "$tmp/st" "$tmp/st.c" 2> /dev/null; then
    "$mpb" record -o "$tmp/st.mpt" -- "$tmp/st" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 6 ] || fail "record of a static program: exit $rc, expected 6"
    grep -q "recorder never ran" "$tmp/out" && ! grep -q killed "$tmp/out" ||
        fail "static program: $(cat "$tmp/out")"
fi
echo "truncated, corrupt and foreign traces refused; SIGKILL -> truncated; other signals, _exit and fork whole; a missing program leaves no trace"
