#!/usr/bin/env bash
# Replays answer "would my program be faster?": summary.csv and report.md
# have replay_s (the replay itself) and alloc_s (inside the allocator) per
# cell; the ranking and the time plot use replay_s, not the wall time that
# includes loading the trace; alloc_t<N>.png plots alloc_s; the timeline
# marks where each replay starts, and the report links the timeline.
# Usage: replay-rank.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -f "$build/lib/libmpatrace.so" ] || fail "no mpbench/recorder in $build"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cc -O1 -pthread -o "$tmp/threads" "$here/fixtures/trace_threads.c" || fail "cannot build trace_threads.c"
"$mpb" record -o "$tmp/t.mpt" -- "$tmp/threads" > /dev/null 2>&1 || fail "record failed"
"$mpb" replay "$tmp/t.mpt" --alloc glibc,mpalloc --repeat 2 --out "$tmp/r" > "$tmp/out" 2>&1 ||
    fail "replay failed: $(tail -2 "$tmp/out")"
s="$tmp/r/summary.csv"
for m in replay_s alloc_s; do
    [ "$(awk -F, -v m=$m '$4 == m' "$s" | wc -l)" -eq 2 ] || fail "summary.csv lacks $m rows"
done
grep -q '^## Replay time (s)' "$tmp/r/report.md" && grep -q '^## Allocator time in the replay (s)' "$tmp/r/report.md" ||
    fail "report.md lacks the replay_s / alloc_s tables"
grep -q '| # | allocator | time vs glibc | peak RSS vs glibc | allocator time vs glibc | cells |' "$tmp/r/report.md" ||
    fail "the ranking has no allocator time column: $(grep '| # |' "$tmp/r/report.md")"
# The ranking's time is replay_s's ratio, not wall_s's.
want=$(awk -F, '$1 == "mpalloc" && $4 == "replay_s" { printf "%.2f", $12 }' "$s")
wall=$(awk -F, '$1 == "mpalloc" && $4 == "wall_s" { printf "%.2f", $12 }' "$s")
grep -q "^| [12] | mpalloc | $want |" "$tmp/r/report.md" ||
    fail "mpalloc ranked by $(grep '| mpalloc |' "$tmp/r/report.md" | head -1), not replay_s's ratio $want (wall $wall)"
command -v gnuplot > /dev/null || { echo "no gnuplot: plots not checked"; exit 0; }
got=$(awk '!/^#/ { printf "%.2f", $5 }' "$tmp/r/plots/time_t5.dat")
[ "$got" = "$want" ] || fail "time_t5 plots $got for mpalloc, replay_s's ratio is $want"
[ -s "$tmp/r/plots/alloc_t5.png" ] || fail "no alloc_t5.png"
gp="$tmp/r/plots/timeline_trace-t.gp"
[ "$(grep -c "^set arrow from .* graph 0 to .* graph 1 nohead dt 3" "$gp")" -eq 2 ] ||
    fail "the timeline does not mark both replays' starts: $(grep arrow "$gp")"
grep -q "replay starts" "$gp" || fail "the timeline's mark is not labelled"
grep -q "(plots/timeline_trace-t.png)" "$tmp/r/report.md" || fail "report.md does not link the timeline"
grep -q "(plots/alloc_t5.png)" "$tmp/r/report.md" || fail "report.md does not link alloc_t5.png"
echo "replays ranked and plotted by replay_s, alloc_s tabled and plotted, replay start marked"
