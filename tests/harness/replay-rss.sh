#!/usr/bin/env bash
# A replay's max_rss_kb is the replay's own peak, not mpbench's: planning a
# trace takes mpbench tens of MB, and a plan built inside mpbench stayed
# resident and was copied into every run it forked (copied pages count in
# the run's ru_maxrss: every allocator read the same figure, mpbench's
# size, about twice the replay's). Checked against the same run's sampled
# peak in timeline.csv. Also bounds the time to plan a trace of a few
# reused addresses (the address map walked every earlier tombstone of an
# address: minutes for this trace before, seconds now).
# Usage: replay-rss.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -f "$build/lib/libmpatrace.so" ] || fail "no mpbench/recorder in $build after the build"
py=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/thr.py" <<'PY'
import threading
def work():
    keep = []
    for i in range(20000):
        keep.append(bytearray(i % 500 + 1))
        if len(keep) > 100:
            keep.pop(0)
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
PY
PYTHONMALLOC=malloc "$mpb" record -o "$tmp/p.mpt" -- "$py" "$tmp/thr.py" > "$tmp/out" 2>&1 ||
    fail "record failed: $(cat "$tmp/out")"
timeout 150 "$mpb" replay "$tmp/p.mpt" --alloc glibc --repeat 2 --no-report --out "$tmp/r" > "$tmp/out" 2>&1 ||
    fail "replay failed or took over 150 s: $(tail -3 "$tmp/out")"
# Per run: max_rss_kb against the highest sampled RSS of the run.
bad=$(awk -F, 'FNR == 1 { f++; next }
    f == 1 { k = $1 "/" $5; if ($7 > peak[k]) peak[k] = $7; next }
    $6 != "ok" { print "row " $1 "/" $5 " " $6; next }
    { k = $1 "/" $5; if (!(k in peak) || $10 > 1.5 * peak[k] + 2048) print k ": max_rss_kb " $10 " sampled peak " peak[k] }' \
    "$tmp/r/timeline.csv" "$tmp/r/results.csv")
[ -z "$bad" ] || fail "replay peak RSS is not the replay's: $bad"
echo "ok: $(awk -F, 'NR > 1 { printf "%s ", $10 }' "$tmp/r/results.csv")KiB"
