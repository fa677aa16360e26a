#!/usr/bin/env bash
# compare and merge say when two folders were measured with other settings:
# A pinned with warm-up and RSS sampling, B unpinned without them, was
# compared without a word (a verdict, or "the machine drifted" when the
# control moved with the setting); now compare warns loudly on stderr and
# above the table, naming each setting (pinning, warm-up, RSS sampling,
# timeout), and stays silent for two folders measured alike; report.md
# says where each thread count ran. merge warns of
# shards that sampled RSS at other periods (pinning and warm-up it refuses).
# Usage: compare-settings.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=5
run() {
    local out=$1
    shift
    "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --no-report \
        --out "$out" "$@" > "$tmp/run.out" 2>&1 || fail "run into $out: $(tail -2 "$tmp/run.out")"
}
run "$tmp/a"
run "$tmp/b" --no-pin --warmup 0 --sample-ms 0 --timeout 30
run "$tmp/c"
"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2> "$tmp/err"
for what in 'pinning on / off' 'warm-up scale 1 / 0' 'RSS sampling ms 10 / off' 'timeout s 60 / 30'; do
    grep -q "WARNING: A and B were measured with other settings (.*$what" "$tmp/out" ||
        fail "compare does not name '$what' above the table: $(head -6 "$tmp/out")"
    grep -q "WARNING: A and B were measured with other settings (.*$what" "$tmp/err" ||
        fail "compare does not name '$what' on stderr: $(cat "$tmp/err")"
done
"$mpb" compare "$tmp/a" "$tmp/c" > "$tmp/out" 2>&1
grep -q 'other settings' "$tmp/out" && fail "folders measured alike are said to differ: $(grep settings "$tmp/out")"
echo "compare names the settings that differ, and only those"
# report.md says where each thread count ran (it did not: a pinned and an
# unpinned folder read alike).
"$mpb" report "$tmp/a" > /dev/null 2>&1 && "$mpb" report "$tmp/b" > /dev/null 2>&1 || fail "report"
grep -q '^- threads: 1 on core [0-9]' "$tmp/a/report.md" || fail "report of A: $(grep '^- threads' "$tmp/a/report.md")"
grep -q '^- threads: 1 unpinned (--no-pin)' "$tmp/b/report.md" || fail "report of B: $(grep '^- threads' "$tmp/b/report.md")"

run "$tmp/s1" --shard 1/2 --sample-ms 10
run "$tmp/s2" --shard 2/2 --sample-ms 1
"$mpb" merge "$tmp/m" "$tmp/s1" "$tmp/s2" > "$tmp/out" 2>&1
grep -q 'sampled RSS every 10 and 1 ms' "$tmp/out" || fail "merge does not warn of RSS sampling: $(cat "$tmp/out")"
echo "merge warns of shards with other RSS sampling"
exit 0
