#!/usr/bin/env bash
# Replays keep the recorded overlap of thread lifetimes, and alloc_s is
# measured, not clamped.
# 1. A program of 100 short-lived threads run one after another, the main
#    thread handing each a 1 MiB block (fixtures/trace_short_threads.c):
#    every recorded thread used to start at once and the main thread to run
#    ahead, so the replay held up to every block at once (37-57 MiB peak RSS
#    against 4-10 now; all 101 threads alive). Now a thread starts when the
#    threads that ended before it began have ended, and a call waits for the
#    thread ends recorded before it: the replay's peak live set is within
#    10% of the recording's, and no more threads are alive at once.
# 2. alloc_s of 20,002 cheap calls (free(NULL), malloc_usable_size) under an
#    allocator whose clock reads turn slow once the replay is over
#    (fixtures/slowclock.c, as a CPU clocking down would make them): the old
#    replay subtracted a clock cost measured after the replay and printed
#    alloc_s=0.000000; now each call's clock cost is measured beside it.
# Usage: replay-threads.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
[ -f "$build/lib/libmpatrace.so" ] && [ -x "$build/bin/mpb-replay" ] || fail "no recorder/replay in $build"

cc -O1 -pthread -o "$tmp/short" "$fx/trace_short_threads.c" || fail "cannot build trace_short_threads.c"
"$mpb" record -o "$tmp/short.mpt" -- "$tmp/short" 100 1048576 > "$tmp/out" 2>&1 || fail "record: $(cat "$tmp/out")"
"$mpb" replay "$tmp/short.mpt" --alloc glibc,mpalloc --repeat 1 --no-report --out "$tmp/r" > "$tmp/out" 2>&1 \
    || fail "replay: $(tail -3 "$tmp/out")"
python3 - "$tmp/r/results.csv" <<'PY' || fail "thread lifetimes not kept"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 2, rows
for r in rows:
    ex = dict(kv.split("=", 1) for kv in r["extra"].split(";") if "=" in kv)
    who = r["allocator"]
    assert r["status"] == "ok", (who, r["status"], r["extra"])
    rec, rep = int(r["live_peak_bytes"]), int(ex["replay_live_peak_bytes"])
    assert abs(rep - rec) <= 0.10 * rec, "%s: replay peak live %d B, recorded %d B" % (who, rep, rec)
    assert int(ex["replay_threads_peak"]) <= int(ex["recorded_threads_peak"]) <= 2, (who, ex)
    assert int(r["max_rss_kb"]) < 24576, "%s: peak RSS %s KiB for a 1 MiB live set" % (who, r["max_rss_kb"])
    print("%s: live peak %d / %d B, threads %s / %s, RSS %s KiB" % (who, rep, rec,
          ex["replay_threads_peak"], ex["recorded_threads_peak"], r["max_rss_kb"]))
PY

cat > "$tmp/cheap.c" <<'C'
#include <malloc.h>
#include <stdlib.h>
int main(void) {
    void *p = malloc(100);
    for (int i = 0; i < 10000; i++) {
        free(NULL);
        malloc_usable_size(p);
    }
    free(p);
    return 0;
}
C
cc -O1 -fno-builtin -o "$tmp/cheap" "$tmp/cheap.c" || fail "cannot build cheap.c"
cc -O1 -shared -fPIC -o "$tmp/libslowclock.so" "$fx/slowclock.c" -ldl || fail "cannot build slowclock.c"
"$mpb" record -o "$tmp/cheap.mpt" -- "$tmp/cheap" > "$tmp/out" 2>&1 || fail "record cheap: $(cat "$tmp/out")"
# the allocator's calls in the replay: malloc, 10000 free(NULL), free
SLOWCLOCK_AFTER=10002 "$mpb" replay "$tmp/cheap.mpt" --alloc "$tmp/libslowclock.so,glibc,mpalloc" \
    --repeat 3 --no-report --out "$tmp/c" > "$tmp/out" 2>&1 || fail "replay cheap: $(tail -3 "$tmp/out")"
python3 - "$tmp/c/results.csv" <<'PY' || fail "alloc_s not measured"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 9, len(rows)
for r in rows:
    ex = dict(kv.split("=", 1) for kv in r["extra"].split(";") if "=" in kv)
    a = float(ex["alloc_s"])
    assert r["status"] == "ok" and int(r["ops"]) == 20002, (r["allocator"], r["status"], r["ops"])
    # 20002 calls, each costing something: at least 0.05 ns a call on average
    assert a > 20002 * 0.05e-9, "%s: alloc_s %s for 20002 calls" % (r["allocator"], ex["alloc_s"])
print("alloc_s > 0 for 20002 cheap calls in 9 replays (3 allocators)")
PY
echo "replay: thread lifetimes kept, alloc_s measured beside each call"
