#!/usr/bin/env bash
# The redis workload (a real server under load) inside mpbench run on glibc
# and mpalloc: rows ok, ops = the requests served (6 redis-benchmark tests of
# N requests), ops_per_s = redis-benchmark's requests/s = ops / ops_s, where
# ops_s (extra column) is the seconds it timed the requests over, less than
# the run's wall time (server start and checks excluded).
# Usage: trace-redis.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -x "$build/bin/wl-redis" ] || fail "no mpbench/wl-redis in $build after the build"
for p in redis-server redis-benchmark redis-cli; do
    command -v $p > /dev/null || { echo "no $p (scripts/install-deps installs it)"; exit 77; }
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$mpb" run --alloc glibc,mpalloc --workload redis --threads 1 --repeat 1 --warmup 0 --scale 0.05 \
    --no-report --out "$tmp/r" > "$tmp/out" 2>&1 || fail "run failed: $(tail -3 "$tmp/out")"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { n++; st = $c["status"]; ops = $c["ops"]; rate = $c["ops_per_s"]; wall = $c["wall_s"]; ex = $c["extra"]
      if (st != "ok") { print "FAIL: " $1 " status " st ": " ex; bad = 1; next }
      if (ops != 6 * 5000) { print "FAIL: " $1 " ops " ops ", expected 30000 (6 tests x 5000)"; bad = 1 }
      if (!match(ex, /ops_s=[0-9.]+/)) { print "FAIL: " $1 " no ops_s in extra: " ex; bad = 1; next }
      s = substr(ex, RSTART + 6, RLENGTH - 6) + 0
      if (s <= 0 || s >= wall) { print "FAIL: " $1 " ops_s " s " not within the wall time " wall; bad = 1 }
      want = ops / s
      if (rate < want * 0.999 || rate > want * 1.001) { print "FAIL: " $1 " ops_per_s " rate ", expected ops/ops_s " want; bad = 1 }
    }
    END { if (n != 2) { print "FAIL: " n " rows, expected 2"; bad = 1 } exit bad }' "$tmp/r/results.csv" ||
    exit 1
echo "redis: ops = requests, ops_per_s = redis-benchmark's requests/s (glibc, mpalloc)"
