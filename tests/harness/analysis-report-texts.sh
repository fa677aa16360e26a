#!/usr/bin/env bash
# report.md says only what is true of its folder, whatever the matrix:
# one allocator and no glibc (no word of buddy-slab or of ratios, no
# ranking), one run per cell (no interval, no noise verdict, "ran once"),
# two runs (ranked, but "Not a verdict"), and the warm-up count is the
# number of warm-up runs made (it was always 0): one per cell, none with
# --warmup 0, those of both attempts after --resume.
# Usage: analysis-report-texts.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=5

# One allocator (a .so that is not glibc), one run per cell, two thread counts.
"$mpb" run --alloc "$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 1 \
    --no-pin --out "$tmp/one" > "$tmp/out" 2>&1 || fail "run one: $(tail -2 "$tmp/out")"
rep="$tmp/one/report.md"
[ -s "$rep" ] || fail "no report.md"
grep -qi 'buddy-slab' "$rep" && fail "a user-space report with one allocator speaks of buddy-slab: $(grep -i buddy "$rep")"
grep -qi 'ratio of the median to' "$rep" && fail "ratios described without a baseline"
grep -q 'ran several times\|Fastest first' "$rep" && fail "texts for several runs in a one-run folder"
grep -q 'ran once' "$rep" || fail "the report does not say each cell ran once"
grep -q '^- repetitions: .* 2 warm-up runs not counted' "$rep" \
    || fail "warm-up count is not 2 (one per cell): $(grep repetitions "$rep")"
grep -q 'noise cannot be told apart' "$rep" || fail "noise section claims agreement from one run"
grep -q 'glibc did not run, so there are no ratios' "$rep" || fail "ranking section: $(sed -n '/## Ranking/,+2p' "$rep")"

# glibc and the .so, two runs: ranked, but not a verdict; no warm-ups.
"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1 --repeat 2 \
    --warmup 0 --no-pin --out "$tmp/two" > "$tmp/out" 2>&1 || fail "run two: $(tail -2 "$tmp/out")"
rep="$tmp/two/report.md"
grep -q '^\*\*Not a verdict\*\*: some cells have only 2 ok runs' "$rep" \
    || fail "a ranking from 2 runs per cell is not marked: $(sed -n '/## Ranking/,+4p' "$rep")"
grep -q ' 0 warm-up runs not counted' "$rep" || fail "--warmup 0: $(grep repetitions "$rep")"
grep -q 'bracket is min..max' "$rep" || fail "interval text missing with 2 runs"
grep -qi 'buddy-slab' "$rep" && fail "buddy-slab named in a user-space report"

# Interrupted after the first counted run, then resumed: warm-ups of both attempts.
TINY_MS=200 "$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1 \
    --repeat 2 --no-pin --out "$tmp/res" > "$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ "$(cat "$tmp/res/results.csv" 2>/dev/null | wc -l)" -ge 2 ] && break
    sleep 0.05
done
kill -INT $pid; wait $pid
"$mpb" run --resume "$tmp/res" > "$tmp/out" 2>&1 || fail "resume: $(tail -2 "$tmp/out")"
w=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["matrix"]["warmup_runs"])' "$tmp/res/meta.json")
# 2 cells: the first attempt warmed up 1 or 2, the resume warms up those it runs again
[ "$w" -ge 2 ] && [ "$w" -le 4 ] || fail "warm-ups after a resume: $w, expected 2..4"
grep -q " $w warm-up runs not counted" "$tmp/res/report.md" || fail "report's warm-up count is not meta's $w"
echo "report texts: one allocator, one run, two runs, --warmup 0 and a resumed run all described truly"
